package dev.fila.driver;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.fila.core.FilaMessage;

/**
 * A message fetched from a driver under a lease. The lease token identifies this delivery:
 * once the lease expires and the message is delivered again, the old token no longer acks it.
 *
 * @param id the message id
 * @param queue the queue name
 * @param headers the headers
 * @param payload the payload
 * @param fairnessKey the fairness key
 * @param weight the fairness key's weight
 * @param throttleKeys the throttle keys
 * @param attempts the delivery number, 1 for the first
 * @param enqueuedAt when the message was enqueued
 * @param leaseToken identifies this delivery to the driver
 * @param priority the priority level, 0 to 9
 */
public record LeasedMessage(String id, String queue, Map<String, String> headers, byte[] payload, String fairnessKey,
		double weight, List<String> throttleKeys, int attempts, Instant enqueuedAt, String leaseToken, int priority)
		implements FilaMessage {

	/**
	 * A message of priority 0.
	 * @param id the message id
	 * @param queue the queue name
	 * @param headers the headers
	 * @param payload the payload
	 * @param fairnessKey the fairness key
	 * @param weight the fairness key's weight
	 * @param throttleKeys the throttle keys
	 * @param attempts the delivery number, 1 for the first
	 * @param enqueuedAt when the message was enqueued
	 * @param leaseToken identifies this delivery to the driver
	 */
	public LeasedMessage(String id, String queue, Map<String, String> headers, byte[] payload, String fairnessKey,
			double weight, List<String> throttleKeys, int attempts, Instant enqueuedAt, String leaseToken) {
		this(id, queue, headers, payload, fairnessKey, weight, throttleKeys, attempts, enqueuedAt, leaseToken, 0);
	}

	@Override
	public String toString() {
		return "LeasedMessage[id=" + this.id + ", queue=" + this.queue + ", key=" + this.fairnessKey + ", attempts="
				+ this.attempts + "]";
	}

}
