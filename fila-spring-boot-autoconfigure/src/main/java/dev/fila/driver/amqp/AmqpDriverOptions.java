package dev.fila.driver.amqp;

import java.time.Duration;

/**
 * The settings of an {@link AmqpDriver}.
 *
 * @param prefix the prefix of the RabbitMQ queue names
 * @param quorum whether to declare quorum queues
 * @param keyPrefetch the most unacknowledged messages per key queue
 * @param prefetchBudget how many messages a queue's keys may buffer together
 * @param keyLogMaxBytes the retention of the key log stream, in bytes
 * @param sessionIdleTimeout how long a queue is consumed after its last fetch
 * @param keyShards the queues a Fila queue's keys are spread over; 0 for a queue per key
 * @param keyIdleExpiry how long an empty key queue stays unused before it is deleted; 0 for never
 * @param priorityQueues whether key queues are RabbitMQ priority queues ({@code x-max-priority}),
 * so that a key's urgent message overtakes that key's messages still in RabbitMQ
 */
public record AmqpDriverOptions(String prefix, boolean quorum, int keyPrefetch, int prefetchBudget,
		long keyLogMaxBytes, Duration sessionIdleTimeout, int keyShards, Duration keyIdleExpiry,
		boolean priorityQueues) {

	/** The defaults. */
	public static final AmqpDriverOptions DEFAULTS = new AmqpDriverOptions("fila", false, 50, 2000, 64L << 20,
			Duration.ofSeconds(30), 0, Duration.ofHours(1), false);

	/** Options without priority queues, as before they existed. */
	public AmqpDriverOptions(String prefix, boolean quorum, int keyPrefetch, int prefetchBudget, long keyLogMaxBytes,
			Duration sessionIdleTimeout, int keyShards, Duration keyIdleExpiry) {
		this(prefix, quorum, keyPrefetch, prefetchBudget, keyLogMaxBytes, sessionIdleTimeout, keyShards, keyIdleExpiry,
				false);
	}

	/** The most key shards a queue may have. */
	public static final int MAX_KEY_SHARDS = 1024;

	/**
	 * The default number of key shards: none (a queue per key) on classic queues, 16 on quorum
	 * queues, where every queue is a Raft group on every node and thousands of them do not
	 * scale (see docs/scaling.md).
	 */
	public static int defaultKeyShards(boolean quorum) {
		return quorum ? 16 : 0;
	}

	/** Whether keys are spread over a bounded set of shard queues. */
	boolean sharded() {
		return this.keyShards > 0;
	}

	/** @return these options with another queue name prefix */
	public AmqpDriverOptions withPrefix(String prefix) {
		return new AmqpDriverOptions(prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with quorum queues or classic ones */
	public AmqpDriverOptions withQuorum(boolean quorum) {
		return new AmqpDriverOptions(this.prefix, quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another per-key prefetch */
	public AmqpDriverOptions withKeyPrefetch(int keyPrefetch) {
		return new AmqpDriverOptions(this.prefix, this.quorum, keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another prefetch budget */
	public AmqpDriverOptions withPrefetchBudget(int prefetchBudget) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another key log retention */
	public AmqpDriverOptions withKeyLogMaxBytes(long keyLogMaxBytes) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another session idle timeout */
	public AmqpDriverOptions withSessionIdleTimeout(Duration sessionIdleTimeout) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another number of key shards */
	public AmqpDriverOptions withKeyShards(int keyShards) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, keyShards, this.keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with another key idle expiry */
	public AmqpDriverOptions withKeyIdleExpiry(Duration keyIdleExpiry) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, keyIdleExpiry, this.priorityQueues);
	}

	/** @return these options with key queues as RabbitMQ priority queues, or not */
	public AmqpDriverOptions withPriorityQueues(boolean priorityQueues) {
		return new AmqpDriverOptions(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget,
				this.keyLogMaxBytes, this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry, priorityQueues);
	}

}
