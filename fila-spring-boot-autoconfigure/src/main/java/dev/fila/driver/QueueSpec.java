package dev.fila.driver;

import java.time.Duration;

import dev.fila.core.FilaTemplate;

/**
 * What a driver needs to know to create a queue.
 *
 * @param name the queue name
 * @param visibilityTimeout the lease length of a fetched message
 * @param quantum the deficit round robin quantum (credits a key of weight 1 earns per turn)
 * @param deadLetter whether failures past the retry policy go to {@code <name>.dlq}
 * @param expiresAfter for a temporary queue (a request-reply's reply queue), how long after its
 * creation any instance may delete it, should its creator not (it crashed); zero for a queue
 * that lives until deleted. Drivers whose queues die with the application ignore it.
 */
public record QueueSpec(String name, Duration visibilityTimeout, int quantum, boolean deadLetter,
		Duration expiresAfter) {

	/**
	 * A queue that lives until deleted.
	 * @param name the queue name
	 * @param visibilityTimeout the lease length of a fetched message
	 * @param quantum the deficit round robin quantum
	 * @param deadLetter whether failures past the retry policy go to {@code <name>.dlq}
	 */
	public QueueSpec(String name, Duration visibilityTimeout, int quantum, boolean deadLetter) {
		this(name, visibilityTimeout, quantum, deadLetter, Duration.ZERO);
	}

	/** @return whether the queue is temporary (see {@code expiresAfter}) */
	public boolean expires() {
		return !this.expiresAfter.isZero();
	}

	/** The start of reply queue names (request-reply's temporary queues, see FilaTemplate#request). */
	public static final String REPLY_QUEUE_PREFIX = FilaTemplate.REPLY_QUEUE_PREFIX;

	/** The suffix of dead-letter queue names. */
	public static final String DLQ_SUFFIX = ".dlq";

	/** @return the dead-letter queue name of this queue */
	public String deadLetterQueue() {
		return deadLetterQueueOf(this.name);
	}

	public static String deadLetterQueueOf(String queue) {
		return queue + DLQ_SUFFIX;
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @return the queue a dead-letter queue belongs to, or the name itself for any other queue
	 */
	public static String sourceQueueOf(String queue) {
		return isDeadLetterQueue(queue) ? queue.substring(0, queue.length() - DLQ_SUFFIX.length()) : queue;
	}

	/**
	 * @param queue a queue name
	 * @return whether the name is a request-reply's temporary reply queue's
	 */
	public static boolean isReplyQueue(String queue) {
		return queue.startsWith(REPLY_QUEUE_PREFIX);
	}

	/**
	 * @param queue a queue name
	 * @return whether the name is a dead-letter queue's
	 */
	public static boolean isDeadLetterQueue(String queue) {
		return queue.endsWith(DLQ_SUFFIX);
	}

}
