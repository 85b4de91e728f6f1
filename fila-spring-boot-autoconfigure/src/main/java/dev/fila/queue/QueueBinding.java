package dev.fila.queue;

import dev.fila.driver.FilaDriver;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;

/**
 * A queue bound to its driver and policies: everything needed to enqueue to it or consume it.
 *
 * @param definition the queue definition
 * @param driver the driver holding the queue
 * @param enqueuePolicy decides scheduling on enqueue
 * @param failurePolicy decides retry or dead-letter on failure
 */
public record QueueBinding(QueueDefinition definition, FilaDriver driver, EnqueuePolicy enqueuePolicy,
		FailurePolicy failurePolicy) {

	/** @return the queue name */
	public String name() {
		return this.definition.name();
	}

}
