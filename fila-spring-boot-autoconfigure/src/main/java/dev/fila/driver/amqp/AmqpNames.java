package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the RabbitMQ queues behind Fila queues. For a Fila queue {@code orders} under the
 * prefix {@code fila}:
 * <ul>
 * <li>{@code fila:orders:k:<key>}: one queue per fairness key;</li>
 * <li>{@code fila:orders:s:<n>}: with {@code key-shards}, a bounded set of shard queues that
 * the keys are spread over instead of a queue each;</li>
 * <li>{@code fila:orders:retry}: where delayed retries land when their delay is over; its
 * existence is the Fila queue's existence;</li>
 * <li>{@code fila:orders:delay:<ms>}: one TTL queue per retry delay;</li>
 * <li>{@code fila:keys}: the driver's key log, a stream of queue and key announcements;</li>
 * <li>{@code fila:settings}: the driver's settings (runtime configuration, throttles), a
 * stream of changes;</li>
 * <li>{@code fila:throttle.<key>.<burst>}: the token queue of a throttle key, shared by every
 * instance (see {@link SharedThrottles});</li>
 * <li>{@code fila:throttle-leader}: the queue whose one exclusive consumer refills the token
 * queues.</li>
 * </ul>
 * <h2>Why two different queues or keys never share a name</h2>
 * A name is its parts joined with {@code :}. Every part that comes from outside (prefix, queue
 * name, key) is {@linkplain #escape escaped} first: characters other than
 * {@code A-Za-z0-9._-@} become {@code %XX} per UTF-8 byte, so an escaped part never holds a
 * {@code :} (nor a {@code #}), and escaping is reversible (it is percent-encoding, {@code %}
 * itself included). The fixed parts ({@code keys}, {@code settings}, {@code k}, {@code s}, {@code retry},
 * {@code delay}) and the numbers hold no {@code :} either. Splitting a name at {@code :}
 * therefore gives back its parts: two parts ({@code <prefix>:keys}, {@code <prefix>:settings},
 * {@code <prefix>:throttle-leader}, {@code <prefix>:throttle.<key>.<burst>}, whose key is what
 * lies between the first and the last dot, as the burst is digits) for the driver's own
 * queues, three or
 * four ({@code <prefix>:<queue>:<kind>[:<key or number>]}) for a queue's RabbitMQ queues,
 * and the kind says what the last part is. So distinct (prefix, kind, queue, key, shard or
 * delay) tuples give distinct names, whatever characters queue names and keys hold (dots
 * included: {@code orders} with key {@code retry} is {@code fila:orders:k:retry}, the retry
 * queue of {@code orders.k} is {@code fila:orders.k:retry}).
 * <p>
 * RabbitMQ refuses names longer than 255 bytes. A name that would be longer keeps its first
 * {@value #READABLE_LENGTH} characters, readable, and ends in {@code #} and 32 hex digits (128
 * bits of the SHA-256 of the whole name). Names are ASCII, so characters are bytes: every
 * name fits. A long name cannot equal a short one (only long names hold a {@code #}); two long
 * names are equal only if the SHA-256 of two different full names agree on 128 bits: for a
 * broker holding {@code n} such names, a chance below {@code n^2 / 2^129} (a billion names:
 * about 10^-21).
 */
final class AmqpNames {

	/** RabbitMQ's limit on queue names, in bytes. */
	static final int MAX_NAME_BYTES = 255;

	/** The separator of name parts; never inside an escaped part. */
	static final char SEPARATOR = ':';

	/** Starts the hash of a name too long for RabbitMQ; never inside an escaped part. */
	static final char HASH_MARK = '#';

	/** The hex digits of a long name's hash. */
	private static final int HASH_DIGITS = 32;

	/** How much of a long name stays readable before its hash. */
	static final int READABLE_LENGTH = MAX_NAME_BYTES - 1 - HASH_DIGITS;

	private static final HexFormat HEX = HexFormat.of().withUpperCase();

	private final String prefix;

	private final String escapedPrefix;

	AmqpNames(String prefix) {
		this.prefix = prefix;
		this.escapedPrefix = escape(prefix);
	}

	String prefix() {
		return this.prefix;
	}

	String keyLog() {
		return name(this.escapedPrefix, "keys");
	}

	String settings() {
		return name(this.escapedPrefix, "settings");
	}

	/** The token queue of a throttle key; a new burst is a new queue, as a queue's length limit is fixed. */
	String throttleTokens(String key, long burst) {
		return name(this.escapedPrefix, "throttle." + escape(key) + "." + burst);
	}

	String throttleLeader() {
		return name(this.escapedPrefix, "throttle-leader");
	}

	String keyQueue(String queue, String key) {
		return name(this.escapedPrefix, escape(queue), "k", escape(key));
	}

	/** The {@code index}-th key shard of a queue (driver option {@code key-shards}). */
	String shardQueue(String queue, int index) {
		return name(this.escapedPrefix, escape(queue), "s", Integer.toString(index));
	}

	String retryQueue(String queue) {
		return name(this.escapedPrefix, escape(queue), "retry");
	}

	String delayQueue(String queue, long delayMillis) {
		return name(this.escapedPrefix, escape(queue), "delay", Long.toString(delayMillis));
	}

	/**
	 * Joins parts with {@link #SEPARATOR}; a result over {@link #MAX_NAME_BYTES} is cut and
	 * ends in its hash (see the class description).
	 */
	private static String name(String... parts) {
		String name = String.join(String.valueOf(SEPARATOR), parts);
		if (name.length() <= MAX_NAME_BYTES) {
			return name;
		}
		int cut = READABLE_LENGTH;
		// Cosmetic: do not cut an escape in two.
		int escape = name.lastIndexOf('%', cut - 1);
		if (escape >= 0 && escape > cut - 3) {
			cut = escape;
		}
		return name.substring(0, cut) + HASH_MARK + hash(name);
	}

	/**
	 * Percent-encodes a name part: {@code A-Za-z0-9._-@} stay as they are (so prefixes and
	 * queue names, which are made of those, stay readable), every other code point becomes
	 * {@code %XX} for each byte of its UTF-8 form. A lone surrogate, which a Java string may
	 * hold, is encoded like any code point (3 bytes), never replaced: the encoding stays
	 * reversible for every string.
	 */
	static String escape(String part) {
		StringBuilder escaped = null;
		for (int i = 0; i < part.length();) {
			int codePoint = part.codePointAt(i);
			int next = i + Character.charCount(codePoint);
			if (plain(codePoint)) {
				if (escaped != null) {
					escaped.append((char) codePoint);
				}
			}
			else {
				if (escaped == null) {
					escaped = new StringBuilder(part.length() + 16).append(part, 0, i);
				}
				appendUtf8Escaped(escaped, codePoint);
			}
			i = next;
		}
		return (escaped != null) ? escaped.toString() : part;
	}

	private static boolean plain(int c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
				|| c == '-' || c == '@';
	}

	/** UTF-8 by hand: it also encodes surrogate code points, which String.getBytes would replace. */
	private static void appendUtf8Escaped(StringBuilder out, int c) {
		if (c < 0x80) {
			appendByte(out, c);
		}
		else if (c < 0x800) {
			appendByte(out, 0xC0 | (c >> 6));
			appendByte(out, 0x80 | (c & 0x3F));
		}
		else if (c < 0x10000) {
			appendByte(out, 0xE0 | (c >> 12));
			appendByte(out, 0x80 | ((c >> 6) & 0x3F));
			appendByte(out, 0x80 | (c & 0x3F));
		}
		else {
			appendByte(out, 0xF0 | (c >> 18));
			appendByte(out, 0x80 | ((c >> 12) & 0x3F));
			appendByte(out, 0x80 | ((c >> 6) & 0x3F));
			appendByte(out, 0x80 | (c & 0x3F));
		}
	}

	private static void appendByte(StringBuilder out, int b) {
		out.append('%').append(HEX.toHexDigits((byte) b));
	}

	/**
	 * Rounds a retry delay up to one of a bounded set of values, so that hooks returning many
	 * different delays do not create a queue each: 10 ms steps up to a second, then two
	 * significant digits. A retry never comes earlier than asked.
	 */
	static long delayBucket(long delayMillis) {
		if (delayMillis <= 1000) {
			return Math.max(10, ((delayMillis + 9) / 10) * 10);
		}
		long step = 1;
		while (delayMillis / step >= 100) {
			step *= 10;
		}
		return ((delayMillis + step - 1) / step) * step;
	}

	private static String hash(String name) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.US_ASCII));
			return HexFormat.of().formatHex(digest, 0, HASH_DIGITS / 2);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
