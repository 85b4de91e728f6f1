package dev.fila.queue;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaMessage;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.scheduling.FailureDecision;

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

	private static final Logger logger = LoggerFactory.getLogger(QueueBinding.class);

	/** @return the queue name */
	public String name() {
		return this.definition.name();
	}

	/**
	 * Settles a failed delivery, the one way for the listener and for pulled deliveries: the
	 * queue's failure policy decides, then the driver retries or dead-letters the message.
	 * @param message the failed delivery
	 * @param error why it failed
	 * @return the decision the driver applied, or {@code null} when the lease was lost (the
	 * message is back in the queue)
	 * @throws RuntimeException when the driver could not settle the message; it stays leased
	 * and is delivered again when its lease expires
	 */
	public @Nullable FailureDecision fail(LeasedMessage message, String error) {
		return settle(message, decideFailure(message, error), error);
	}

	/**
	 * Settles a failed delivery with a decision already made, such as a dead-letter at once.
	 * @param message the failed delivery
	 * @param decision retry or dead-letter
	 * @param error why it failed
	 * @return the decision, or {@code null} when the lease was lost
	 * @throws RuntimeException when the driver could not settle the message
	 */
	public @Nullable FailureDecision settle(LeasedMessage message, FailureDecision decision, String error) {
		return this.driver.nack(message, decision, error) ? decision : null;
	}

	/**
	 * Asks the queue's failure policy what to do with a failed delivery. A policy that throws,
	 * even an {@link Error} such as a stack overflow, must not lose the message: it is retried
	 * after a second.
	 * @param message the failed delivery
	 * @param error why it failed
	 * @return retry or dead-letter
	 */
	public FailureDecision decideFailure(FilaMessage message, String error) {
		FailureContext context = new FailureContext(message.queue(), message.id(), message.attempts(),
				message.headers(), error);
		try {
			return this.failurePolicy.onFailure(context);
		}
		catch (RuntimeException | StackOverflowError | LinkageError | AssertionError ex) {
			logger.warn("Failure policy of queue '{}' failed; retrying message {} after 1s", message.queue(),
					message.id(), ex);
			return FailureDecision.retry(Duration.ofSeconds(1));
		}
	}

}
