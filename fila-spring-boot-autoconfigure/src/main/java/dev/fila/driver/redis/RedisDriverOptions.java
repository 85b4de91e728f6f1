package dev.fila.driver.redis;

import java.time.Duration;

/**
 * The redis driver's settings ({@code fila.drivers.<name>.redis.*}).
 *
 * @param keyPrefix the prefix of every key
 * @param waitReplicas how many replicas must confirm an enqueue or ack before it returns
 * (Redis {@code WAIT}); 0 for Redis's asynchronous replication alone
 * @param waitTimeout the longest wait for them
 */
public record RedisDriverOptions(String keyPrefix, int waitReplicas, Duration waitTimeout) {

	/** The defaults: prefix {@code fila}, no wait for replicas (at most 100ms when asked). */
	public static final RedisDriverOptions DEFAULTS = new RedisDriverOptions("fila", 0, Duration.ofMillis(100));

	/** @return these options with another key prefix */
	public RedisDriverOptions withKeyPrefix(String keyPrefix) {
		return new RedisDriverOptions(keyPrefix, this.waitReplicas, this.waitTimeout);
	}

	/** @return these options waiting for another number of replicas */
	public RedisDriverOptions withWaitReplicas(int waitReplicas) {
		return new RedisDriverOptions(this.keyPrefix, waitReplicas, this.waitTimeout);
	}

	/** @return these options with another longest wait for replicas */
	public RedisDriverOptions withWaitTimeout(Duration waitTimeout) {
		return new RedisDriverOptions(this.keyPrefix, this.waitReplicas, waitTimeout);
	}

}
