package dev.fila.core;

/**
 * Base class of Fila's runtime exceptions.
 */
public class FilaException extends RuntimeException {

	public FilaException(String message) {
		super(message);
	}

	public FilaException(String message, Throwable cause) {
		super(message, cause);
	}

}
