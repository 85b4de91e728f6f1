package dev.fila.core;

/**
 * Thrown when a message breaks its driver's size limits (payload size, header size, number of
 * headers, header name length). Nothing of the batch the message was in has been sent: the
 * whole batch is checked before anything goes to the backend.
 */
public class MessageTooLargeException extends IllegalArgumentException {

	private final String queue;

	private final int index;

	/**
	 * @param queue the queue the batch was for
	 * @param index the refused message's index in its batch, from 0
	 * @param message the description, naming the queue, the message, the limit and how to change it
	 */
	public MessageTooLargeException(String queue, int index, String message) {
		super(message);
		this.queue = queue;
		this.index = index;
	}

	/** @return the queue the batch was for */
	public String getQueue() {
		return this.queue;
	}

	/** @return the refused message's index in its batch, from 0 */
	public int getIndex() {
		return this.index;
	}

}
