package dev.fila.core;

import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A payload with headers and an optional delay, for {@link FilaTemplate#enqueueAll}.
 *
 * @param headers the headers
 * @param payload the payload: {@code byte[]} as is, {@code String} as UTF-8, anything else as JSON
 * @param delay how long after it is sent the message becomes deliverable; zero for at once
 */
public record OutboundMessage(Map<String, String> headers, Object payload, Duration delay) {

	/**
	 * The longest delay: RabbitMQ's message TTL and queue expiry stop at 2^31 - 1 ms (24.8 days),
	 * and the same limit holds on every driver so that an application can switch drivers.
	 */
	public static final Duration MAX_DELAY = Duration.ofDays(24);

	public OutboundMessage {
		headers = Map.copyOf(checkHeaders(headers, null));
		checkDelay(delay);
	}

	/**
	 * A message deliverable at once.
	 * @param headers the headers
	 * @param payload the payload
	 */
	public OutboundMessage(Map<String, String> headers, Object payload) {
		this(headers, payload, Duration.ZERO);
	}

	/**
	 * @param delay how long after it is sent the message becomes deliverable
	 * @return this message with that delay
	 */
	public OutboundMessage withDelay(Duration delay) {
		return new OutboundMessage(this.headers, this.payload, delay);
	}

	/**
	 * @param delay a delay given to the template
	 * @return the delay
	 * @throws IllegalArgumentException when it is {@code null}, negative or over {@link #MAX_DELAY}
	 */
	public static Duration checkDelay(Duration delay) {
		if (delay == null) {
			throw new IllegalArgumentException("The delay must not be null (use Duration.ZERO for none)");
		}
		if (delay.isNegative()) {
			throw new IllegalArgumentException("The delay must not be negative, was " + delay);
		}
		if (delay.compareTo(MAX_DELAY) > 0) {
			throw new IllegalArgumentException("The delay must be at most " + MAX_DELAY + " (24 days), was " + delay);
		}
		return delay;
	}

	/**
	 * @param headers headers given to the template
	 * @param queue the queue they are for, when known, for the message
	 * @return the headers
	 * @throws IllegalArgumentException naming the header, when a name or value is {@code null}
	 */
	public static Map<String, String> checkHeaders(Map<String, String> headers, @Nullable String queue) {
		if (headers == null) {
			throw new IllegalArgumentException("Headers must not be null (use an empty map)" + forQueue(queue));
		}
		for (Map.Entry<String, String> header : headers.entrySet()) {
			if (header.getKey() == null) {
				throw new IllegalArgumentException("A header has a null name (its value is '" + header.getValue() + "')"
						+ forQueue(queue) + ": header names and values must not be null");
			}
			if (header.getValue() == null) {
				throw new IllegalArgumentException("Header '" + header.getKey() + "' has a null value" + forQueue(queue)
						+ ": header names and values must not be null (leave the header out instead)");
			}
		}
		return headers;
	}

	private static String forQueue(@Nullable String queue) {
		return (queue != null) ? " in a message for queue '" + queue + "'" : "";
	}

	public static OutboundMessage of(Object payload) {
		return new OutboundMessage(Map.of(), payload);
	}

	public static OutboundMessage of(Map<String, String> headers, Object payload) {
		return new OutboundMessage(headers, payload);
	}

}
