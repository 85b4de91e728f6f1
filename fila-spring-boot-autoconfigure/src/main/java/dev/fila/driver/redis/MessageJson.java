package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The JSON fields of a message stored in Redis: its headers and its throttle keys. */
final class MessageJson {

	private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
	};

	private static final byte[] EMPTY_JSON_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

	private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
	};

	private final JsonMapper json = JsonMapper.builder().build();

	/** Most messages carry few or no headers: skip JSON for the empty case on this hot path. */
	byte[] encodeHeaders(Map<String, String> headers) {
		return headers.isEmpty() ? EMPTY_JSON_OBJECT : this.json.writeValueAsBytes(headers);
	}

	Map<String, String> decodeHeaders(byte[] json) {
		return Arrays.equals(json, EMPTY_JSON_OBJECT) ? Map.of() : Map.copyOf(this.json.readValue(json, HEADERS));
	}

	/** @return the keys as a JSON array, or an empty string for none (what the scripts expect) */
	String encodeThrottleKeys(List<String> throttleKeys) {
		return throttleKeys.isEmpty() ? "" : this.json.writeValueAsString(throttleKeys);
	}

	List<String> decodeThrottleKeys(String throttleKeys) {
		return throttleKeys.isEmpty() ? List.of() : this.json.readValue(throttleKeys, STRINGS);
	}

}
