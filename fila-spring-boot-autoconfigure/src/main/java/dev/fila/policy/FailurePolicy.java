package dev.fila.policy;

import dev.fila.scheduling.FailureDecision;

/**
 * Decides what happens after a handler failed: retry after a delay or dead-letter. A queue's
 * {@code on-failure} Lua hook is one implementation; {@link RetryFailurePolicy} (from the
 * queue's {@code retry} settings) is the default.
 */
@FunctionalInterface
public interface FailurePolicy {

	/**
	 * @param context the failed delivery
	 * @return retry or dead-letter; never {@code null}
	 */
	FailureDecision onFailure(FailureContext context);

}
