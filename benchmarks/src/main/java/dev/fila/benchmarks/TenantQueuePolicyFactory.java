package dev.fila.benchmarks;

import java.util.List;

import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.Scheduling;

/**
 * Assigns the fairness key of the benchmark queues from a message header (the tenant), the
 * way an application without Lua hooks would; every other queue keeps the default policies.
 */
public class TenantQueuePolicyFactory implements QueuePolicyFactory {

	/** The header that carries the tenant, i.e. the fairness key. */
	public static final String TENANT_HEADER = "tenant";

	private final QueuePolicyFactory delegate = new DefaultQueuePolicyFactory();

	private final String queuePrefix;

	/**
	 * @param queuePrefix queues whose name starts with this get the tenant policy
	 */
	public TenantQueuePolicyFactory(String queuePrefix) {
		this.queuePrefix = queuePrefix;
	}

	@Override
	public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
		if (!queue.name().startsWith(this.queuePrefix)) {
			return this.delegate.enqueuePolicy(queue);
		}
		return (context) -> new Scheduling(context.headers().get(TENANT_HEADER), 1, List.of());
	}

	@Override
	public FailurePolicy failurePolicy(QueueDefinition queue) {
		return this.delegate.failurePolicy(queue);
	}

}
