package dev.fila.policy;

import dev.fila.queue.QueueDefinition;

/**
 * Builds the enqueue and failure policies of each queue from its definition. The default
 * ignores Lua settings; the Lua support replaces this bean to honour {@code on-enqueue} and
 * {@code on-failure}.
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

}
