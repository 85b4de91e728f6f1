package dev.fila.listener;

import dev.fila.core.FilaMessage;

/**
 * Handles the messages of one consumer. Returning normally acks (unless the handler
 * {@link #isManualAcknowledgement() acknowledges manually}); throwing nacks, and a
 * {@link DeadLetterException} or a payload that cannot be converted dead-letters at once.
 */
public interface FilaMessageHandler {

	/**
	 * @param message the delivered message
	 * @param acknowledgement settles the message in manual mode
	 * @throws Exception when processing failed
	 */
	void handle(FilaMessage message, Acknowledgement acknowledgement) throws Exception;

	/** @return whether the handler settles messages itself through the {@link Acknowledgement} */
	default boolean isManualAcknowledgement() {
		return false;
	}

	/** @return a description for logs and errors, e.g. the listener method */
	default String describe() {
		return toString();
	}

}
