package dev.fila.policy;

import dev.fila.scheduling.Scheduling;

/**
 * Decides how a message is scheduled when it is enqueued: fairness key, weight, throttle keys
 * and priority. A queue's {@code on-enqueue} Lua hook is one implementation. A policy that does
 * not decide the priority keeps the producer's ({@link EnqueueContext#priority()}).
 */
@FunctionalInterface
public interface EnqueuePolicy {

	/** Key {@code "default"}, weight 1, no throttle keys, the producer's priority. */
	EnqueuePolicy DEFAULT = (context) -> Scheduling.DEFAULT.withPriority(context.priority());

	/**
	 * @param context the message being enqueued
	 * @return its scheduling; never {@code null}
	 */
	Scheduling schedule(EnqueueContext context);

}
