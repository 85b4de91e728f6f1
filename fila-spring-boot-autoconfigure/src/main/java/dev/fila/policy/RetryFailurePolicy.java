package dev.fila.policy;

import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;

/**
 * The default failure policy: exponential back-off from the queue's {@code retry} settings,
 * then dead-letter.
 */
public final class RetryFailurePolicy implements FailurePolicy {

	private final RetryPolicy retryPolicy;

	public RetryFailurePolicy(RetryPolicy retryPolicy) {
		this.retryPolicy = retryPolicy;
	}

	@Override
	public FailureDecision onFailure(FailureContext context) {
		return this.retryPolicy.decide(context.attempts());
	}

}
