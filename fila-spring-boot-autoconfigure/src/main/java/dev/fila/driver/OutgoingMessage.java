package dev.fila.driver;

import java.util.Map;

import dev.fila.scheduling.Scheduling;

/**
 * A message on its way into a queue, already serialized and scheduled. Its id is chosen
 * before it is sent, so that a sender can return it before the message leaves (an enqueue
 * sent when a transaction commits).
 *
 * @param id the message id
 * @param headers the headers
 * @param payload the payload bytes
 * @param scheduling fairness key, weight and throttle keys
 */
public record OutgoingMessage(String id, Map<String, String> headers, byte[] payload, Scheduling scheduling) {

	public OutgoingMessage {
		headers = Map.copyOf(headers);
	}

	/**
	 * A message with a new id.
	 * @param headers the headers
	 * @param payload the payload bytes
	 * @param scheduling fairness key, weight and throttle keys
	 */
	public OutgoingMessage(Map<String, String> headers, byte[] payload, Scheduling scheduling) {
		this(MessageIds.next(), headers, payload, scheduling);
	}

}
