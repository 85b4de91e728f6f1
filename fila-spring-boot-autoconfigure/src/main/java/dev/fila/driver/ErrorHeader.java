package dev.fila.driver;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The value of the {@code fila-error} header a dead-lettered message gets, bounded to
 * {@value #MAX_BYTES} UTF-8 bytes. Every driver's nack goes through {@link #value}: an
 * unbounded error (a handler exception with a megabyte message) would make a header RabbitMQ
 * cannot carry in a frame, and the message could then never be dead-lettered.
 */
public final class ErrorHeader {

	/** The most UTF-8 bytes of a {@code fila-error} header, the truncation marker included. */
	public static final int MAX_BYTES = 4096;

	private ErrorHeader() {
	}

	/**
	 * @param error the error of a failed delivery, possibly {@code null}
	 * @return the error, or its start followed by {@code … [truncated N bytes]} when its UTF-8
	 * form is longer than {@value #MAX_BYTES} bytes; never cut inside a character; {@code ""}
	 * for {@code null}
	 */
	public static String value(@Nullable String error) {
		if (error == null) {
			return "";
		}
		// Cheap test first: a char is at most 3 UTF-8 bytes (a surrogate pair 4 for 2 chars).
		if (error.length() * 3L <= MAX_BYTES) {
			return error;
		}
		int total = MessageLimits.utf8Length(error);
		if (total <= MAX_BYTES) {
			return error;
		}
		// Room for the marker at its longest (the byte count has at most 10 digits).
		int budget = MAX_BYTES - marker(Integer.MAX_VALUE).getBytes(StandardCharsets.UTF_8).length;
		int end = 0;
		int bytes = 0;
		while (end < error.length()) {
			int width = MessageLimits.utf8Width(error, end);
			if (bytes + width > budget) {
				break;
			}
			bytes += width;
			end += (width == 4) ? 2 : 1;
		}
		return error.substring(0, end) + marker(total - bytes);
	}

	private static String marker(int truncatedBytes) {
		return "… [truncated " + truncatedBytes + " bytes]";
	}

}
