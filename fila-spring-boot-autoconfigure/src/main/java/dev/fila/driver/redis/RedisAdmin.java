package dev.fila.driver.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.springframework.data.redis.connection.ReturnType;

import dev.fila.core.KeyStats;
import dev.fila.core.QueueStats;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;

import static dev.fila.driver.redis.RedisValues.bytes;
import static dev.fila.driver.redis.RedisValues.string;

/**
 * Operations on queues and throttles as a whole: stats and counters, redrive and purge (in
 * bounded chunks, one script call each), throttle settings and their permits. The counters
 * and buckets live in Redis, so every application instance sees the same.
 */
final class RedisAdmin {

	/** Messages one redrive script call moves at most (each is read, rewritten and queued). */
	static final int REDRIVE_CHUNK = 500;

	private final String driverName;

	private final String keyPrefix;

	private final RedisConnections connections;

	private final RedisQueues queues;

	private final RedisScripts stats = RedisScripts.load("stats");

	private final RedisScripts redrive = RedisScripts.load("redrive");

	private final RedisScripts purge = RedisScripts.load("purge");

	private final RedisScripts throttle = RedisScripts.load("throttle");

	private final RedisScripts peek = RedisScripts.load("peek");

	private final MessageJson json;

	RedisAdmin(String driverName, String keyPrefix, RedisConnections connections, RedisQueues queues,
			MessageJson json) {
		this.driverName = driverName;
		this.json = json;
		this.keyPrefix = keyPrefix;
		this.connections = connections;
		this.queues = queues;
	}

	@SuppressWarnings("unchecked")
	QueueStats stats(String queue) {
		String base = this.queues.base(queue);
		List<Object> reply = this.queues.onQueue(queue,
				(connection) -> this.stats.run(connection, ReturnType.MULTI, bytes(base + "c"), bytes(base), bytes(queue)));
		List<KeyStats> keys = new ArrayList<>();
		for (Object item : (List<Object>) reply.get(4)) {
			List<Object> fields = (List<Object>) item;
			keys.add(new KeyStats(string(fields.get(0)), ((Number) fields.get(1)).longValue(),
					((Number) fields.get(2)).longValue(), ((Number) fields.get(3)).longValue(),
					Double.parseDouble(string(fields.get(4)))));
		}
		MissingMessages.warnIfAny(queue, "stats", ((Number) reply.get(5)).longValue());
		keys.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
		return new QueueStats(queue, this.driverName, ((Number) reply.get(0)).longValue(),
				((Number) reply.get(1)).longValue(), ((Number) reply.get(2)).longValue(), keys);
	}

	/** The oldest pending messages, read in one script call that changes none of them. */
	@SuppressWarnings("unchecked")
	List<PendingMessage> peek(String queue, int count) {
		String base = this.queues.base(queue);
		List<Object> reply = this.queues.onQueue(queue, (connection) -> this.peek.run(connection, ReturnType.MULTI,
				bytes(base + "c"), bytes(base), bytes(queue), bytes(Integer.toString(count))));
		MissingMessages.warnIfAny(queue, "a peek", ((Number) reply.get(1)).longValue());
		List<Object> items = (List<Object>) reply.get(0);
		List<PendingMessage> messages = new ArrayList<>(items.size());
		for (Object item : items) {
			List<Object> fields = (List<Object>) item;
			messages.add(new PendingMessage(string(fields.get(0)), queue,
					this.json.decodeHeaders((byte[]) fields.get(4)), (byte[]) fields.get(5), string(fields.get(1)),
					Double.parseDouble(string(fields.get(2))), this.json.decodeThrottleKeys(string(fields.get(3))),
					((Number) fields.get(7)).intValue(), Instant.ofEpochMilli(Long.parseLong(string(fields.get(6)))),
					((Number) fields.get(8)).intValue()));
		}
		return messages;
	}

	/** @return how many leases of the queue expired so far, for every application instance together */
	long expiredLeases(String queue) {
		return counter(queue, "expired");
	}

	/**
	 * @return how many messages of the queue the scripts found gone from Redis and skipped, for
	 * every application instance together
	 */
	long missingMessages(String queue) {
		return counter(queue, "missing");
	}

	/** Reads a field of the queue's counter hash, which the scripts keep. */
	private long counter(String queue, String field) {
		String base = this.queues.base(queue);
		byte[] value = this.connections
			.execute((connection) -> connection.hashCommands().hGet(bytes(base + "c"), bytes(field)));
		return (value != null) ? Long.parseLong(string(value)) : 0;
	}

	/** Moves messages in chunks of {@value #REDRIVE_CHUNK}, one script call each. */
	int redrive(String deadLetterQueue, int count) {
		int moved = 0;
		while (moved < count) {
			Chunk chunk = redriveChunk(deadLetterQueue, Math.min(count - moved, REDRIVE_CHUNK));
			moved += (int) chunk.count();
			if (chunk.done()) {
				break;
			}
		}
		return moved;
	}

	/** One redrive script call: moves at most {@code limit} messages, and does at most that much work. */
	Chunk redriveChunk(String deadLetterQueue, int limit) {
		String source = QueueSpec.sourceQueueOf(deadLetterQueue);
		String base = this.queues.base(deadLetterQueue);
		List<Object> reply = this.queues.onQueue(deadLetterQueue, (connection) -> this.redrive.run(connection,
				ReturnType.MULTI, bytes(base + "c"), bytes(base), bytes(this.queues.base(source)),
				bytes(Integer.toString(limit)), this.queues.keys(source).channel(), bytes(source),
				bytes(deadLetterQueue)));
		MissingMessages.warnIfAny(deadLetterQueue, "a redrive", ((Number) reply.get(1)).longValue());
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(2)).longValue() == 1);
	}

	/**
	 * Removes messages in chunks of {@value RedisQueues#REMOVE_CHUNK}, one script call each. A
	 * message enqueued meanwhile may be removed or kept (see purge.lua).
	 */
	long purge(String queue) {
		long removed = 0;
		Chunk chunk;
		do {
			chunk = purgeChunk(queue, RedisQueues.REMOVE_CHUNK);
			removed += chunk.count();
		}
		while (!chunk.done());
		return removed;
	}

	/** One purge script call: removes at most {@code limit} messages, and does at most that much work. */
	Chunk purgeChunk(String queue, int limit) {
		String base = this.queues.base(queue);
		List<Object> reply = this.queues.onQueue(queue, (connection) -> this.purge.run(connection, ReturnType.MULTI,
				bytes(base + "c"), bytes(base), bytes(queue), bytes(Integer.toString(limit))));
		MissingMessages.warnIfAny(queue, "a purge", ((Number) reply.get(2)).longValue());
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue() == 1);
	}

	void setThrottle(String key, double rate, long burst) {
		String bucket = this.keyPrefix + ":throttle:" + key;
		this.connections.execute((connection) -> this.throttle.run(connection, ReturnType.INTEGER, bytes(bucket),
				bytes(bucket), bytes(Double.toString(rate)), bytes(Long.toString(burst))));
	}

	/** Reads the bucket as {@code throttle.lua} keeps it and refills it to Redis's clock. */
	double availablePermits(String key) {
		byte[] bucket = bytes(this.keyPrefix + ":throttle:" + key);
		return this.connections.execute((connection) -> {
			List<byte[]> fields = connection.hashCommands()
				.hMGet(bucket, bytes("rate"), bytes("burst"), bytes("tokens"), bytes("ts"));
			if (fields == null || fields.size() < 4 || fields.get(0) == null || fields.get(1) == null) {
				return Double.NaN;
			}
			double rate = Double.parseDouble(string(fields.get(0)));
			double burst = Double.parseDouble(string(fields.get(1)));
			if (fields.get(2) == null || fields.get(3) == null) {
				return burst;
			}
			Long now = connection.serverCommands().time();
			double elapsed = (now != null) ? Math.max(0, now - Double.parseDouble(string(fields.get(3)))) : 0;
			return Math.min(burst, Double.parseDouble(string(fields.get(2))) + elapsed * rate / 1000);
		});
	}

}
