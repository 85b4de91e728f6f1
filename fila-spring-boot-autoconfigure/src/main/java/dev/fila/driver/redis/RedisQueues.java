package dev.fila.driver.redis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

import dev.fila.core.FilaException;
import dev.fila.core.QueueNotFoundException;
import dev.fila.driver.QueueSpec;

import static dev.fila.driver.redis.RedisValues.bytes;
import static dev.fila.driver.redis.RedisValues.string;

/**
 * The queues in Redis: their keys (see {@link RedisKeys}), creating and deleting them, the
 * registry of queue names, and the sorted set of temporary queues by deadline. Remembers the
 * queues this instance created, to re-create one Redis lost.
 */
final class RedisQueues {

	// The driver's logger: the split into classes must not move its messages to other categories.
	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	private static final int MAX_CACHED_QUEUE_KEYS = 10_000;

	/**
	 * Messages one purge or delete script call removes at most: the scripts work in chunks so
	 * that a large queue never blocks Redis (a chunk takes a few milliseconds).
	 */
	static final int REMOVE_CHUNK = 1000;

	private final RedisConnections connections;

	private final String keyPrefix;

	/** On Redis Cluster with Lettuce: a sharded notification channel per queue (see ShardedQueueSignals). */
	private final boolean sharded;

	private final Map<String, QueueSpec> createdQueues = new ConcurrentHashMap<>();

	private final Map<String, QueueKeys> queueKeys = new ConcurrentHashMap<>();

	private final RedisScripts create = RedisScripts.load("create");

	private final RedisScripts delete = RedisScripts.load("delete");

	private final RedisScripts expiry = RedisScripts.load("expiry");

	RedisQueues(RedisConnections connections, String keyPrefix, boolean sharded) {
		this.connections = connections;
		this.keyPrefix = keyPrefix;
		this.sharded = sharded;
	}

	/** @return the key base of a queue; a dead-letter queue shares its source queue's hash tag (see RedisKeys) */
	String base(String queue) {
		return RedisKeys.base(this.keyPrefix, queue);
	}

	/**
	 * @return the channel the queue's scripts notify: the driver's one channel, or on Redis Cluster
	 * a sharded channel with the hash tag of the queue (shared with its dead-letter queue)
	 */
	String channel(String queue) {
		return this.sharded ? RedisKeys.channel(this.keyPrefix, queue) : this.keyPrefix + ":notify";
	}

	/** The encoded keys of a queue, built once: ack, nack and heartbeats need them per message. */
	QueueKeys keys(String queue) {
		QueueKeys keys = this.queueKeys.get(queue);
		if (keys == null) {
			String base = base(queue);
			keys = new QueueKeys(bytes(base + "c"), bytes(base), bytes(queue), bytes(channel(queue)));
			if (this.queueKeys.size() >= MAX_CACHED_QUEUE_KEYS) {
				// Temporary reply queues come and go (a responder never deletes them): stay bounded.
				this.queueKeys.clear();
			}
			this.queueKeys.put(queue, keys);
		}
		return keys;
	}

	private String registryKey() {
		return this.keyPrefix + ":queues";
	}

	/** The sorted set of temporary queues by deadline (see expiry.lua). */
	private byte[] expiringKey() {
		return bytes(this.keyPrefix + ":expiring");
	}

	void create(QueueSpec spec) {
		this.connections.execute((connection) -> {
			createOne(connection, spec.name(), spec, spec.deadLetter());
			if (spec.deadLetter()) {
				createOne(connection, spec.deadLetterQueue(), spec, false);
			}
			if (spec.expires()) {
				this.expiry.run(connection, ReturnType.INTEGER, expiringKey(), bytes("add"), bytes(spec.name()),
						bytes(Long.toString(spec.expiresAfter().toMillis())));
			}
			return null;
		});
		this.createdQueues.put(spec.name(), spec);
	}

	private void createOne(RedisConnection connection, String queue, QueueSpec spec, boolean deadLetter) {
		String base = base(queue);
		this.create.run(connection, ReturnType.INTEGER, bytes(base + "c"), bytes(base),
				bytes(Long.toString(spec.visibilityTimeout().toMillis())), bytes(Integer.toString(spec.quantum())),
				bytes(deadLetter ? "1" : "0"));
		connection.setCommands().sAdd(bytes(registryKey()), bytes(queue));
	}

	/**
	 * Forgets what this instance remembers of a queue, before {@link #delete} removes it from Redis.
	 * @return the queue's spec if this instance created it
	 */
	@Nullable QueueSpec forget(String queue) {
		QueueSpec created = this.createdQueues.remove(queue);
		this.queueKeys.remove(queue);
		return created;
	}

	/**
	 * Deletes a queue's data, its registry entry and its deadline if it is temporary.
	 * @param queue the queue
	 * @param created its spec if this instance created it (see {@link #forget})
	 * @return whether the queue existed
	 */
	boolean delete(String queue, @Nullable QueueSpec created) {
		// In chunks of REMOVE_CHUNK messages, one script call each; the first call ends the queue.
		Chunk chunk = deleteChunk(queue, REMOVE_CHUNK);
		boolean existed = chunk.count() == 1;
		while (!chunk.done()) {
			chunk = deleteChunk(queue, REMOVE_CHUNK);
		}
		this.connections.execute((connection) -> {
			connection.setCommands().sRem(bytes(registryKey()), bytes(queue));
			if (created != null && created.expires()) {
				connection.zSetCommands().zRem(expiringKey(), bytes(queue));
			}
			return null;
		});
		return existed;
	}

	/**
	 * One delete script call: removes at most {@code limit} messages.
	 * @return a chunk whose count is 1 when the queue existed at this call
	 */
	Chunk deleteChunk(String queue, int limit) {
		String base = base(queue);
		List<Object> reply = this.connections.execute((connection) -> this.delete.run(connection, ReturnType.MULTI,
				bytes(base + "c"), bytes(base), bytes(Integer.toString(limit))));
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue() == 1);
	}

	List<String> list() {
		Set<byte[]> members = this.connections
			.execute((connection) -> connection.setCommands().sMembers(bytes(registryKey())));
		List<String> names = new ArrayList<>();
		if (members != null) {
			members.forEach((member) -> names.add(string(member)));
		}
		names.sort(Comparator.naturalOrder());
		return names;
	}

	boolean exists(String queue) {
		Boolean exists = this.connections
			.execute((connection) -> connection.keyCommands().exists(bytes(base(queue) + "meta")));
		return Boolean.TRUE.equals(exists);
	}

	/**
	 * Takes temporary queues past their deadline off the sorted set (see expiry.lua), on Redis time.
	 * @param max the most to take
	 * @return their names
	 */
	List<String> takeExpired(int max) {
		List<Object> due = this.connections.execute((connection) -> this.expiry.run(connection, ReturnType.MULTI,
				expiringKey(), bytes("take"), bytes(Integer.toString(max))));
		List<String> names = new ArrayList<>();
		for (Object queue : (due != null) ? due : List.of()) {
			names.add(string(queue));
		}
		return names;
	}

	/** Runs an operation on a queue; a queue Redis lost (an empty Redis after a restart) is re-created once. */
	<T> T onQueue(String queue, Function<RedisConnection, T> operation) {
		try {
			return this.connections.execute(operation);
		}
		catch (FilaException ex) {
			if (!RedisConnections.isNoQueue(ex)) {
				throw ex;
			}
			QueueSpec spec = this.createdQueues.get(QueueSpec.sourceQueueOf(queue));
			if (spec == null) {
				throw new QueueNotFoundException(queue);
			}
			logger.warn("Queue '{}' is missing from Redis (was Redis restarted empty or flushed?): re-creating it; "
					+ "messages it held are gone", queue);
			create(spec);
			try {
				return this.connections.execute(operation);
			}
			catch (FilaException again) {
				if (RedisConnections.isNoQueue(again)) {
					throw new QueueNotFoundException(queue);
				}
				throw again;
			}
		}
	}

}
