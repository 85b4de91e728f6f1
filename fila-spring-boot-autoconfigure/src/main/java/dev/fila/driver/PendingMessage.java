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
 */
public record PendingMessage(String id, String queue, Map<String, String> headers, byte[] payload, String fairnessKey,
		double weight, List<String> throttleKeys, int attempts, Instant enqueuedAt) implements FilaMessage {

	@Override
	public String toString() {
		return "PendingMessage[id=" + this.id + ", queue=" + this.queue + ", key=" + this.fairnessKey + ", attempts="
				+ this.attempts + "]";
	}

}
