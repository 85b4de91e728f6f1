package dev.fila.policy;

import java.util.Map;

import dev.fila.scheduling.Scheduling;

/**
 * What an {@link EnqueuePolicy} sees of a message.
 *
 * @param queue the target queue
 * @param headers the message headers
 * @param payloadSize the payload size in bytes
 */
public record EnqueueContext(String queue, Map<String, String> headers, int payloadSize) {

	/**
	 * @return the priority the producer set in the {@code fila-priority} header, 0 without one:
	 * what a policy keeps unless it decides otherwise
	 * @throws IllegalArgumentException when the header is not an integer from 0 to 9
	 */
	public int priority() {
		return Scheduling.priorityOf(this.headers);
	}

}
