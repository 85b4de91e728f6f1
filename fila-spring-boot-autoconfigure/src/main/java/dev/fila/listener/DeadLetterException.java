package dev.fila.listener;

/**
 * Thrown by a handler for a message that can never succeed: it goes to the dead-letter queue
 * at once, without retries.
 */
public class DeadLetterException extends RuntimeException {

	public DeadLetterException(String message) {
		super(message);
	}

	public DeadLetterException(String message, Throwable cause) {
		super(message, cause);
	}

}
