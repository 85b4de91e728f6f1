package dev.fila.scheduling;

import java.time.Duration;

import org.slf4j.LoggerFactory;

/**
 * What to do with a message whose handler failed: deliver it again after a delay, or move it
 * to the dead-letter queue.
 */
public sealed interface FailureDecision {

	/**
	 * The longest retry delay: 24 days, within what every driver can keep (RabbitMQ takes a
	 * queue TTL and expiry of at most 2^31-1 ms, about 24.8 days). A longer delay is cut to it.
	 */
	Duration MAX_RETRY_DELAY = Duration.ofDays(24);

	/**
	 * @param delay the delay before the next delivery; negative counts as zero, more than
	 * {@link #MAX_RETRY_DELAY} is cut to it with a warning
	 * @return a retry decision
	 */
	static FailureDecision retry(Duration delay) {
		if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
			LoggerFactory.getLogger(FailureDecision.class)
				.warn("Retry delay {} is over the maximum of {}; retrying after {}", delay, MAX_RETRY_DELAY,
						MAX_RETRY_DELAY);
		}
		return new Retry(delay);
	}

	static FailureDecision deadLetter() {
		return DeadLetter.INSTANCE;
	}

	/**
	 * Deliver again once {@code delay} has passed; the wait blocks no thread.
	 * @param delay the delay before the message is schedulable again, between zero and
	 * {@link FailureDecision#MAX_RETRY_DELAY} (values outside are brought within)
	 */
	record Retry(Duration delay) implements FailureDecision {

		public Retry {
			if (delay.isNegative()) {
				delay = Duration.ZERO;
			}
			else if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
				delay = MAX_RETRY_DELAY;
			}
		}

	}

	/** Move the message to {@code <queue>.dlq} (or drop it when the queue has no DLQ). */
	enum DeadLetter implements FailureDecision {

		INSTANCE

	}

}
