package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.fila.core.QueueNotFoundException;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

/**
 * The RabbitMQ queues behind the Fila queues: which exist, what they are called, with which
 * arguments they are declared, and declaring, listing and deleting them. A Fila queue is its
 * retry queue (which tells that it exists), a queue per fairness key or a fixed set of shards,
 * and a TTL queue per retry delay; see {@link AmqpNames} for the names.
 */
final class AmqpTopology {

	/**
	 * With key shards, how many keys of a queue get a shard by their place in the key log;
	 * later keys take the shard of their hash, so that what each instance keeps per key stays
	 * bounded (about 200 bytes a key) however many keys a queue has seen.
	 */
	static final int SHARD_PLACED_KEYS = 10_000;

	/**
	 * How long the RabbitMQ queues of a reply queue live unused (no consumer, no declare) before
	 * RabbitMQ deletes them ({@code x-expires}): the reply queues of a requester that died. A
	 * live request's are never unused: its requester consumes them until it deletes them. One
	 * value for every instance, because every declare of a queue must carry the same arguments
	 * (a responder declares the reply queue's key queue without knowing the request).
	 */
	static final Duration REPLY_QUEUE_EXPIRY = Duration.ofMinutes(5);

	/**
	 * The argument that makes a RabbitMQ queue a priority queue: a key's messages still in
	 * RabbitMQ then come out highest level first (with {@code priority-queues}).
	 */
	static final String MAX_PRIORITY = "x-max-priority";

	private final AmqpChannels channels;

	private final AmqpNames names;

	private final AmqpDriverOptions options;

	private final KeyLog keyLog;

	private final PublishedKeys publishedKeys;

	private final Map<String, QueueSpec> specs = new ConcurrentHashMap<>();

	private final Set<String> knownQueues = ConcurrentHashMap.newKeySet();

	/** The arguments every queue of the driver is declared with: its queue type. */
	private final Map<String, Object> baseArguments;

	/** {@link #baseArguments}, with {@code x-max-priority} when key queues are priority queues. */
	private final Map<String, Object> keyQueueArguments;

	/** {@link #keyQueueArguments} with the {@code x-expires} of reply queues. */
	private volatile Map<String, Object> replyQueueArguments;

	AmqpTopology(AmqpChannels channels, AmqpNames names, AmqpDriverOptions options, KeyLog keyLog,
			PublishedKeys publishedKeys) {
		this.channels = channels;
		this.names = names;
		this.options = options;
		this.keyLog = keyLog;
		this.publishedKeys = publishedKeys;
		this.baseArguments = options.quorum() ? Map.of("x-queue-type", "quorum") : Map.of();
		// Quorum queues have no priorities on RabbitMQ 3.x: the options refuse both together.
		this.keyQueueArguments = options.priorityQueues() ? Map.of(MAX_PRIORITY, Scheduling.MAX_PRIORITY)
				: this.baseArguments;
		replyQueueExpiry(REPLY_QUEUE_EXPIRY);
	}

	AmqpNames names() {
		return this.names;
	}

	boolean sharded() {
		return this.options.sharded();
	}

	/** The arguments of the RabbitMQ queues behind a Fila queue: reply queues expire unused. */
	Map<String, Object> keyQueueArguments(String queue) {
		return QueueSpec.isReplyQueue(queue) ? this.replyQueueArguments : this.keyQueueArguments;
	}

	/** Sets the {@code x-expires} of reply queues; {@link #REPLY_QUEUE_EXPIRY} but in tests. */
	void replyQueueExpiry(Duration expiry) {
		Map<String, Object> arguments = new HashMap<>(this.keyQueueArguments);
		arguments.put("x-expires", expiry.toMillis());
		this.replyQueueArguments = Map.copyOf(arguments);
	}

	/** The arguments of a retry delay's TTL queue, which dead-letters into the retry queue. */
	Map<String, Object> delayQueueArguments(String queue, long millis, long expires) {
		// Not a priority queue: a TTL queue expires messages at its head only, and priorities there
		// would hold back older ones.
		Map<String, Object> arguments = new HashMap<>(this.baseArguments);
		arguments.put("x-message-ttl", millis);
		arguments.put("x-dead-letter-exchange", "");
		arguments.put("x-dead-letter-routing-key", this.names.retryQueue(queue));
		arguments.put("x-expires", expires);
		if (this.options.quorum()) {
			arguments.put("x-dead-letter-strategy", "at-least-once");
			arguments.put("x-overflow", "reject-publish");
		}
		return arguments;
	}

	/**
	 * The RabbitMQ queue a key's messages go to: its own queue, or with {@code key-shards} its
	 * shard. A key's shard is its place among the queue's keys in the key log (round robin over
	 * the shards), so the first {@code key-shards} keys of a queue each have a shard of their
	 * own in every instance. A key whose record this instance has not read yet (the log could
	 * not be read in time), or that came after the first {@link #SHARD_PLACED_KEYS}, takes the
	 * shard of its hash: a shard chosen differently only costs
	 * fairness, never a message, because every consumer consumes every shard.
	 */
	String keyQueue(String queue, String key) {
		if (!this.options.sharded()) {
			return this.names.keyQueue(queue, key);
		}
		Integer ordinal = this.keyLog.ordinal(queue, key);
		int shard = Math.floorMod((ordinal != null) ? ordinal : key.hashCode(), this.options.keyShards());
		return this.names.shardQueue(queue, shard);
	}

	/** Every shard queue of a Fila queue; empty without {@code key-shards}. */
	List<String> shardQueues(String queue) {
		List<String> shards = new ArrayList<>(this.options.keyShards());
		for (int i = 0; i < this.options.keyShards(); i++) {
			shards.add(this.names.shardQueue(queue, i));
		}
		return shards;
	}

	/**
	 * The prefetch of the next key queue consumed: the whole per-key prefetch while a queue has
	 * few keys, less as keys add up, so that thousands of keys do not buffer millions of messages.
	 */
	int keyPrefetch(int consumedQueues) {
		return Math.max(1, Math.min(this.options.keyPrefetch(), this.options.prefetchBudget() / (consumedQueues + 1)));
	}

	/** Declares a Fila queue's retry queue and shards, announces it, and remembers its spec. */
	void declare(QueueSpec spec) {
		this.channels.with((channel) -> {
			this.keyLog.declare();
			Map<String, Object> arguments = keyQueueArguments(spec.name());
			channel.channel().queueDeclare(this.names.retryQueue(spec.name()), true, false, false, arguments);
			for (String shard : shardQueues(spec.name())) {
				channel.channel().queueDeclare(shard, true, false, false, arguments);
			}
			channel.publish(List.of(KeyLogRecords.queueRecord(this.names.keyLog(), spec.name())));
			return null;
		});
		this.specs.put(spec.name(), spec);
		this.knownQueues.add(spec.name());
	}

	/** Deletes every RabbitMQ queue of a Fila queue that this instance knows of, and announces it. */
	void delete(String queue) {
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		List<String> rabbitQueues = rabbitQueuesOf(queue);
		this.channels.with((channel) -> {
			for (String rabbitQueue : rabbitQueues) {
				channel.channel().queueDelete(rabbitQueue);
			}
			channel.publish(List.of(KeyLogRecords.dropRecord(this.names.keyLog(), queue)));
			return null;
		});
		this.knownQueues.remove(queue);
		this.specs.remove(queue);
	}

	/** Purges every RabbitMQ queue of a Fila queue. @return how many messages went */
	long purge(String queue) {
		long removed = 0;
		List<String> rabbitQueues = rabbitQueuesOf(queue);
		for (String rabbitQueue : rabbitQueues) {
			if (this.channels.readyCount(rabbitQueue) > 0) {
				removed += this.channels.with((channel) -> channel.channel().queuePurge(rabbitQueue).getMessageCount());
			}
		}
		return removed;
	}

	List<String> listQueues() {
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		Set<String> candidates = new LinkedHashSet<>(this.keyLog.queueNames());
		candidates.addAll(this.knownQueues);
		List<String> existing = new ArrayList<>();
		for (String queue : candidates) {
			if (QueueSpec.isReplyQueue(queue) && !this.specs.containsKey(queue)) {
				// Another instance's, maybe of a requester that died: asking RabbitMQ about a queue
				// counts as using it, which would keep its x-expires from ever running out.
				continue;
			}
			if (this.channels.readyCount(this.names.retryQueue(queue)) >= 0) {
				existing.add(queue);
			}
		}
		existing.sort(null);
		return existing;
	}

	boolean queueExists(String queue) {
		if (this.knownQueues.contains(queue)) {
			return true;
		}
		if (this.channels.readyCount(this.names.retryQueue(queue)) >= 0) {
			this.knownQueues.add(queue);
			return true;
		}
		return false;
	}

	void requireQueue(String queue) {
		if (!queueExists(queue)) {
			throw new QueueNotFoundException(queue);
		}
	}

	/** Forgets that a queue exists, so that the next look asks RabbitMQ. */
	void forgetQueue(String queue) {
		this.knownQueues.remove(queue);
	}

	/** The queue's spec as created here, or the defaults for a queue another instance created. */
	QueueSpec spec(String queue) {
		return this.specs.getOrDefault(queue, new QueueSpec(queue, Duration.ofSeconds(30), 1,
				!QueueSpec.isDeadLetterQueue(queue)));
	}

	/** Every RabbitMQ queue behind a Fila queue that this instance knows of: keys, delays, retry. */
	List<String> rabbitQueuesOf(String queue) {
		Set<String> rabbitQueues = new LinkedHashSet<>(shardQueues(queue));
		for (String key : keysOf(queue)) {
			rabbitQueues.add(keyQueue(queue, key));
		}
		for (long delay : delaysOf(queue)) {
			rabbitQueues.add(this.names.delayQueue(queue, delay));
		}
		rabbitQueues.add(this.names.retryQueue(queue));
		return new ArrayList<>(rabbitQueues);
	}

	/** The keys of a queue: announced in the key log, or declared by this instance. */
	Set<String> keysOf(String queue) {
		Set<String> keys = new LinkedHashSet<>(this.keyLog.keys(queue));
		keys.addAll(this.publishedKeys.declaredIfAny(queue));
		return keys;
	}

	/** The retry delays of a queue announced in the key log. */
	Set<Long> delaysOf(String queue) {
		return new LinkedHashSet<>(this.keyLog.delays(queue));
	}

	/** Adds the sizes of the queue caches to a footprint (see {@link AmqpDriver#footprint}). */
	void footprint(Map<String, Integer> sizes) {
		sizes.put("knownQueues", this.knownQueues.size());
		sizes.put("specs", this.specs.size());
	}

}
