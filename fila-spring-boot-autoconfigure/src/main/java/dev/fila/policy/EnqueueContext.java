package dev.fila.policy;

import java.util.Map;

import dev.fila.scheduling.Scheduling;

/**
 * What an {@link EnqueuePolicy} sees of a message.
 *
 * @param queue the target queue
 * @param headers the message headers
 * @param payloadSize the payload size in bytes
 * @param priority the priority the producer set in the {@code fila-priority} header, 0 without
 * one: what a policy keeps unless it decides otherwise
 */
public record EnqueueContext(String queue, Map<String, String> headers, int payloadSize, int priority) {

	/**
	 * Reads the producer's priority from the headers, once per message.
	 * @param queue the target queue
	 * @param headers the message headers
	 * @param payloadSize the payload size in bytes
	 * @throws IllegalArgumentException when the {@code fila-priority} header is not an integer
	 * from 0 to 9: the producer's error, which no hook may hide
	 */
	public EnqueueContext(String queue, Map<String, String> headers, int payloadSize) {
		this(queue, headers, payloadSize, Scheduling.priorityOf(headers));
	}

}
