package dev.fila.driver;

import java.util.Map;

import dev.fila.scheduling.Scheduling;

/**
 * A message on its way into a queue, already serialized and scheduled.
 *
 * @param headers the headers
 * @param payload the payload bytes
 * @param scheduling fairness key, weight and throttle keys
 */
public record OutgoingMessage(Map<String, String> headers, byte[] payload, Scheduling scheduling) {

	public OutgoingMessage {
		headers = Map.copyOf(headers);
	}

}
