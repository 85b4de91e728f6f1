package dev.fila.core;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A payload with headers, for {@link FilaTemplate#enqueueAll}.
 *
 * @param headers the headers
 * @param payload the payload: {@code byte[]} as is, {@code String} as UTF-8, anything else as JSON
 */
public record OutboundMessage(Map<String, String> headers, Object payload) {

	public OutboundMessage {
		headers = Map.copyOf(checkHeaders(headers, null));
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
