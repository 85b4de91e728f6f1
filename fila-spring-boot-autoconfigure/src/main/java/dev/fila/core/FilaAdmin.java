package dev.fila.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Operations on queues, dead-letter queues, throttles and runtime configuration. The
 * auto-configured implementation is {@code dev.fila.client.DefaultFilaAdmin}.
 * <p>
 * What every method throws: a {@link FilaException} when the broker fails (unreachable, a
 * timeout, an error reply), with the driver's exception as its cause;
 * {@link QueueNotFoundException} (a {@code FilaException}) for a queue no driver has, where a
 * method names one; {@link IllegalArgumentException} for an argument out of range.
 */
public interface FilaAdmin {

	/**
	 * Creates a queue (and its dead-letter queue) on its configured driver, or on the default
	 * driver with default settings when it is not declared. Does nothing when it exists, on
	 * any driver: an undeclared queue that another instance created on another driver stays
	 * there.
	 * @param queue the queue name
	 */
	void createQueue(String queue);

	/**
	 * Deletes a queue, its dead-letter queue and their messages.
	 * @param queue the queue name
	 * @return whether the queue existed
	 */
	boolean deleteQueue(String queue);

	/** @return the names of the queues of every driver, dead-letter queues included, sorted */
	List<String> listQueues();

	/**
	 * @param queue a queue or dead-letter queue name
	 * @return pending, in-flight and delayed counts with a per fairness key breakdown
	 */
	QueueStats stats(String queue);

	/**
	 * Moves messages from a dead-letter queue back to their source queue as new deliveries.
	 * @param deadLetterQueue the dead-letter queue, {@code <queue>.dlq}
	 * @param count the most messages to move
	 * @return how many moved
	 */
	int redrive(String deadLetterQueue, int count);

	/**
	 * Moves every message of a dead-letter queue back to its source queue as new deliveries.
	 * @param deadLetterQueue the dead-letter queue, {@code <queue>.dlq}
	 * @return how many moved
	 */
	default int redrive(String deadLetterQueue) {
		return redrive(deadLetterQueue, Integer.MAX_VALUE);
	}

	/**
	 * Reads the oldest pending messages of a queue without leasing them or changing anything
	 * about them: look before you redrive. Messages waiting for a retry and leased ones are not
	 * shown. What is read is the front of each fairness key (its first {@code count} messages,
	 * the ones it delivers next; a retried message waits at its key's tail), oldest enqueued
	 * first. A dead-letter queue's messages carry their {@code fila-error},
	 * {@code fila-attempts} and {@code fila-source-queue} headers.
	 * @param queue a queue or dead-letter queue name
	 * @param count the most messages to return, 1 to {@value #MAX_PEEK}
	 * @return up to {@code count} messages, oldest enqueued first; each message's
	 * {@link FilaMessage#attempts()} is the number of deliveries it had so far (0 for none)
	 * @throws UnsupportedOperationException on a driver whose broker cannot read a message
	 * without delivering it (amqp)
	 */
	List<FilaMessage> peek(String queue, int count);

	/** The most messages one {@link #peek} returns. */
	int MAX_PEEK = 1000;

	/**
	 * Removes every pending and delayed message of a queue.
	 * @param queue a queue or dead-letter queue name
	 * @return how many were removed
	 */
	long purge(String queue);

	/**
	 * Sets a runtime configuration value, visible to the next {@code fila.get(key)}: on every
	 * instance within a second and across restarts where the settings are shared (Redis).
	 * @param key the key, not empty
	 * @param value the value; {@code null} removes the key, and the configured value (if any)
	 * applies again at the next start
	 */
	void setConfig(String key, String value);

	/**
	 * @param key the key
	 * @return the runtime configuration value, if set
	 */
	Optional<String> getConfig(String key);

	/**
	 * @param prefix a key prefix, empty for all (not {@code null})
	 * @return the matching runtime configuration entries, sorted by key
	 */
	Map<String, String> listConfig(String prefix);

	/**
	 * Creates or changes a throttle on every driver.
	 * @param key the throttle key, not empty
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 */
	void setThrottle(String key, double rate, long burst);

	/**
	 * @return every throttle, sorted by key, with the permits its bucket on the default
	 * driver holds now
	 */
	List<ThrottleStats> throttles();

	/**
	 * Pauses a whole queue: it keeps accepting messages and delivers none until resumed. Global
	 * on the Redis and amqp drivers and kept across restarts (see docs/concepts.md).
	 * @param queue the queue
	 * @throws QueueNotFoundException when no driver has the queue
	 */
	void pause(String queue);

	/**
	 * Resumes a paused queue; its paused keys stay paused.
	 * @param queue the queue
	 * @throws QueueNotFoundException when no driver has the queue
	 */
	void resume(String queue);

	/**
	 * Pauses one fairness key of a queue: its messages wait, the other keys go on.
	 * @param queue the queue
	 * @param key the fairness key
	 * @throws QueueNotFoundException when no driver has the queue
	 * @throws IllegalArgumentException when the key is empty, or longer than any message of the
	 * queue can carry (its driver's {@code max-header-bytes}, which counts the fairness key)
	 */
	void pauseKey(String queue, String key);

	/**
	 * Resumes a paused fairness key.
	 * @param queue the queue
	 * @param key the fairness key
	 * @throws QueueNotFoundException when no driver has the queue
	 */
	void resumeKey(String queue, String key);

	/**
	 * Overrides the weight that hooks give a fairness key's messages, on every instance, until
	 * removed; {@code weight <= 0} removes the override.
	 * @param queue the queue
	 * @param key the fairness key
	 * @param weight the weight, or {@code <= 0} to remove the override
	 * @throws QueueNotFoundException when no driver has the queue
	 * @throws IllegalArgumentException when the weight is {@code NaN} or infinite, or, unless
	 * the override is removed, the key is longer than any message of the queue can carry
	 */
	void setKeyWeight(String queue, String key, double weight);

	/**
	 * Limits how many messages of one fairness key are leased at once, across all consumers
	 * (on Redis, across all instances; on RabbitMQ, per instance), overriding the queue's
	 * {@code key-max-in-flight}; {@code maxInFlight <= 0} removes the override.
	 * @param queue the queue
	 * @param key the fairness key
	 * @param maxInFlight the limit, or {@code <= 0} to remove the override
	 * @throws QueueNotFoundException when no driver has the queue
	 * @throws IllegalArgumentException when, unless the override is removed, the key is longer
	 * than any message of the queue can carry
	 */
	void setKeyMaxInFlight(String queue, String key, int maxInFlight);

}
