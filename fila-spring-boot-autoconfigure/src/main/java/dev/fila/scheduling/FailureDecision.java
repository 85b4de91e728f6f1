package dev.fila.scheduling;

import java.time.Duration;

/**
 * What to do with a message whose handler failed: deliver it again after a delay, or move it
 * to the dead-letter queue.
 */
public sealed interface FailureDecision {

	static FailureDecision retry(Duration delay) {
		return new Retry(delay.isNegative() ? Duration.ZERO : delay);
	}

	static FailureDecision deadLetter() {
		return DeadLetter.INSTANCE;
	}

	/**
	 * Deliver again once {@code delay} has passed; the wait blocks no thread.
	 * @param delay the delay before the message is schedulable again
	 */
	record Retry(Duration delay) implements FailureDecision {
	}

	/** Move the message to {@code <queue>.dlq} (or drop it when the queue has no DLQ). */
	enum DeadLetter implements FailureDecision {

		INSTANCE

	}

}
