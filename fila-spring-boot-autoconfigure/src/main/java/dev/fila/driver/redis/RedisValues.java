package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;

import dev.fila.core.FilaException;

/** Script arguments and replies: Redis speaks bytes, the driver UTF-8 strings. */
final class RedisValues {

	private RedisValues() {
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * @param value a bulk string of a reply
	 * @return it as a string
	 * @throws FilaException for a nil where the scripts always reply a value
	 */
	static String string(Object value) {
		if (value instanceof byte[] bytes) {
			return new String(bytes, StandardCharsets.UTF_8);
		}
		if (value == null) {
			throw new FilaException("Unexpected nil in a Redis reply");
		}
		return value.toString();
	}

}
