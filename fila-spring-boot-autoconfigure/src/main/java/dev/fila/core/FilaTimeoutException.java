package dev.fila.core;

/**
 * Thrown by {@link FilaTemplate#request} when no reply arrives in time.
 */
public class FilaTimeoutException extends FilaException {

	public FilaTimeoutException(String message) {
		super(message);
	}

}
