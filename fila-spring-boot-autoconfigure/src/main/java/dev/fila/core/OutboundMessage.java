package dev.fila.core;

import java.util.Map;

/**
 * A payload with headers, for {@link FilaTemplate#enqueueAll}.
 *
 * @param headers the headers
 * @param payload the payload: {@code byte[]} as is, {@code String} as UTF-8, anything else as JSON
 */
public record OutboundMessage(Map<String, String> headers, Object payload) {

	public OutboundMessage {
		headers = Map.copyOf(headers);
	}

	public static OutboundMessage of(Object payload) {
		return new OutboundMessage(Map.of(), payload);
	}

	public static OutboundMessage of(Map<String, String> headers, Object payload) {
		return new OutboundMessage(headers, payload);
	}

}
