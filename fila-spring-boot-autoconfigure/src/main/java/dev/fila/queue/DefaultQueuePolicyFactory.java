package dev.fila.queue;

import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaConfigurationException;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.policy.RetryFailurePolicy;

/**
 * Default scheduling on enqueue and the queue's retry settings on failure. Queues that set
 * Lua hooks need a factory that understands them; this one refuses them rather than ignore
 * them silently.
 */
public class DefaultQueuePolicyFactory implements QueuePolicyFactory {

	@Override
	public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
		rejectHook(queue, "on-enqueue", queue.onEnqueue());
		return EnqueuePolicy.DEFAULT;
	}

	@Override
	public FailurePolicy failurePolicy(QueueDefinition queue) {
		rejectHook(queue, "on-failure", queue.onFailure());
		return new RetryFailurePolicy(queue.retry());
	}

	private static void rejectHook(QueueDefinition queue, String property, @Nullable String hook) {
		if (hook != null) {
			throw new FilaConfigurationException("fila.queues." + queue.name() + "." + property, hook,
					"no value: Lua hooks are not supported by this build of Fila");
		}
	}

}
