package dev.fila.policy;

import dev.fila.queue.QueueDefinition;

/**
 * Default scheduling on enqueue and the queue's retry settings on failure.
 */
public class DefaultQueuePolicyFactory implements QueuePolicyFactory {

	@Override
	public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
		return EnqueuePolicy.DEFAULT;
	}

	@Override
	public FailurePolicy failurePolicy(QueueDefinition queue) {
		return new RetryFailurePolicy(queue.retry());
	}

}
