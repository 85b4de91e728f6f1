package dev.fila.scheduling;

import java.time.Duration;

/**
 * Exponential back-off with a cap and an attempt limit: the default answer to "retry or
 * dead-letter?" when a queue has no {@code on_failure} hook.
 *
 * @param maxAttempts deliveries allowed in total (the first one included)
 * @param initialDelay delay before the second delivery
 * @param multiplier factor applied to the delay after each further failure
 * @param maxDelay upper bound of any delay
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay) {

	/** The policy used when nothing is configured: 5 attempts, 1s, x2, at most 5m. */
	public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5));

	public RetryPolicy {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
		}
		if (initialDelay.isNegative() || maxDelay.isNegative()) {
			throw new IllegalArgumentException("delays must not be negative");
		}
		if (!(multiplier >= 1.0)) {
			throw new IllegalArgumentException("multiplier must be at least 1.0, was " + multiplier);
		}
	}

	/**
	 * Decides what happens to a message whose delivery number {@code attempts} failed.
	 * @param attempts the delivery that failed, 1 for the first
	 * @return retry after a delay, or dead-letter when the attempts are used up
	 */
	public FailureDecision decide(int attempts) {
		if (attempts >= this.maxAttempts) {
			return FailureDecision.deadLetter();
		}
		return FailureDecision.retry(delayAfter(attempts));
	}

	/**
	 * Returns the delay before the next delivery after failed delivery number {@code attempts}.
	 * @param attempts the delivery that failed, 1 for the first
	 * @return {@code initialDelay * multiplier^(attempts-1)}, capped at {@code maxDelay}
	 */
	public Duration delayAfter(int attempts) {
		double millis = this.initialDelay.toMillis() * Math.pow(this.multiplier, Math.max(0, attempts - 1));
		if (millis >= this.maxDelay.toMillis()) {
			return this.maxDelay;
		}
		return Duration.ofMillis((long) millis);
	}

}
