package dev.fila.core;

/**
 * A message pulled with {@link FilaTemplate#receive}: leased to the caller until it is
 * acknowledged, negatively acknowledged or its lease (the queue's visibility timeout) runs out.
 * Both settling methods throw a {@link FilaException} when the broker fails, with the driver's
 * exception as its cause; the message then stays leased and comes back when its lease ends.
 */
public interface FilaDelivery extends FilaMessage {

	/**
	 * Removes the message from its queue.
	 * @throws FilaException when the lease was lost (it expired and the message was redelivered)
	 */
	void ack();

	/**
	 * Reports a failure: the queue's failure policy ({@code on_failure} hook or retry settings)
	 * decides between a delayed retry and the dead-letter queue.
	 * @param error why processing failed
	 * @throws FilaException when the lease was lost
	 */
	void nack(String error);

}
