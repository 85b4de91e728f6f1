package dev.fila.policy;

import dev.fila.scheduling.Scheduling;

/**
 * Decides how a message is scheduled when it is enqueued: fairness key, weight and throttle
 * keys. A queue's {@code on-enqueue} Lua hook is one implementation.
 */
@FunctionalInterface
public interface EnqueuePolicy {

	/** Key {@code "default"}, weight 1, no throttle keys. */
	EnqueuePolicy DEFAULT = (context) -> Scheduling.DEFAULT;

	/**
	 * @param context the message being enqueued
	 * @return its scheduling; never {@code null}
	 */
	Scheduling schedule(EnqueueContext context);

}
