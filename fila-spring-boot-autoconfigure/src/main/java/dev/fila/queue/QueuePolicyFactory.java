package dev.fila.queue;

import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;

/**
 * Builds the enqueue and failure policies of each queue from its definition. The
 * auto-configured bean is {@link dev.fila.lua.LuaQueuePolicyFactory}, which honours
 * {@code on-enqueue} and {@code on-failure} Lua hooks; a bean of your own replaces it (and
 * with it the Lua hooks, unless it delegates to one).
 */
public interface QueuePolicyFactory {

	/**
	 * @param queue the queue definition
	 * @return the policy asked for every message enqueued to the queue
	 */
	EnqueuePolicy enqueuePolicy(QueueDefinition queue);

	/**
	 * @param queue the queue definition
	 * @return the policy asked after every failed delivery from the queue
	 */
	FailurePolicy failurePolicy(QueueDefinition queue);

	/**
	 * The text of a hook, stored with the queue's definition so that an instance that uses the
	 * queue without declaring it (a producer service) runs the same hooks.
	 * @param queue the queue definition
	 * @param hook the hook as configured: a resource location or inline text
	 * @return the hook's text; by default the value as configured
	 */
	default String hookText(QueueDefinition queue, String hook) {
		return hook;
	}

}
