package dev.fila.core;

/**
 * Thrown when an operation names a queue that does not exist on its driver.
 */
public class QueueNotFoundException extends FilaException {

	public QueueNotFoundException(String queue) {
		super("Queue '" + queue + "' does not exist");
	}

}
