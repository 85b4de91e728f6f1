package dev.fila.driver;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.fila.core.FilaMessage;

/**
 * A message waiting in its queue, as {@link FilaDriver#peek} shows it: not leased, so it has
 * no lease token, and its {@link #attempts()} are the deliveries it had so far (0 when it was
 * never delivered).
 *
 * @param id the message id
 * @param queue the queue it waits in
 * @param headers the headers
 * @param payload the payload
 * @param fairnessKey the fairness key
 * @param weight the fairness key's weight
 * @param throttleKeys the throttle keys
 * @param attempts the deliveries so far
 * @param enqueuedAt when the message was enqueued
 * @param priority the priority level, 0 to 9
 */
public record PendingMessage(String id, String queue, Map<String, String> headers, byte[] payload, String fairnessKey,
		double weight, List<String> throttleKeys, int attempts, Instant enqueuedAt, int priority)
		implements FilaMessage {

	/**
	 * A message of priority 0.
	 * @param id the message id
	 * @param queue the queue it waits in
	 * @param headers the headers
	 * @param payload the payload
	 * @param fairnessKey the fairness key
	 * @param weight the fairness key's weight
	 * @param throttleKeys the throttle keys
	 * @param attempts the deliveries so far
	 * @param enqueuedAt when the message was enqueued
	 */
	public PendingMessage(String id, String queue, Map<String, String> headers, byte[] payload, String fairnessKey,
			double weight, List<String> throttleKeys, int attempts, Instant enqueuedAt) {
		this(id, queue, headers, payload, fairnessKey, weight, throttleKeys, attempts, enqueuedAt, 0);
	}

	@Override
	public String toString() {
		return "PendingMessage[id=" + this.id + ", queue=" + this.queue + ", key=" + this.fairnessKey + ", attempts="
				+ this.attempts + "]";
	}

}
