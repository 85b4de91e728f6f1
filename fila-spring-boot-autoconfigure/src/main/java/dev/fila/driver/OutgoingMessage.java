package dev.fila.driver;

import java.time.Duration;
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
 * @param delay how long after the enqueue the message becomes deliverable (zero: at once); a
 * driver counts it as delayed meanwhile and then gives it its fair turn, never earlier
 */
public record OutgoingMessage(String id, Map<String, String> headers, byte[] payload, Scheduling scheduling,
		Duration delay) {

	public OutgoingMessage {
		headers = Map.copyOf(headers);
		delay = (delay == null || delay.isNegative()) ? Duration.ZERO : delay;
	}

	/**
	 * A message deliverable at once.
	 * @param id the message id
	 * @param headers the headers
	 * @param payload the payload bytes
	 * @param scheduling fairness key, weight and throttle keys
	 */
	public OutgoingMessage(String id, Map<String, String> headers, byte[] payload, Scheduling scheduling) {
		this(id, headers, payload, scheduling, Duration.ZERO);
	}

	/** @return whether the message waits before it is deliverable */
	public boolean delayed() {
		return !this.delay.isZero();
	}

	/** @return the delay in milliseconds, rounded up (see {@link #millisRoundedUp}) */
	public long delayMillis() {
		return millisRoundedUp(this.delay);
	}

	/**
	 * Brokers keep due times in milliseconds: rounded up, a delayed message is never due early.
	 * @param delay a delay
	 * @return its milliseconds, rounded up
	 */
	public static long millisRoundedUp(Duration delay) {
		long millis = delay.toMillis();
		return delay.minusMillis(millis).isZero() ? millis : millis + 1;
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
