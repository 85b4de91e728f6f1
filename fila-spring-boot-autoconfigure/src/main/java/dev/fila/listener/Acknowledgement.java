package dev.fila.listener;

/**
 * Manual acknowledgement. A {@code @FilaListener} method that declares a parameter of this
 * type settles each message itself and must call exactly one of {@link #ack()} or
 * {@link #nack(String)} before it returns.
 */
public interface Acknowledgement {

	/** Removes the message from its queue. */
	void ack();

	/**
	 * Reports a failure; the queue's failure policy decides between retry and dead-letter.
	 * @param error why processing failed
	 */
	void nack(String error);

}
