package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names of the RabbitMQ queues behind Fila queues. For a Fila queue {@code orders} under the
 * prefix {@code fila}:
 * <ul>
 * <li>{@code fila.orders.k.<key>}: one queue per fairness key (a key with characters outside
 * {@code A-Za-z0-9._:@-}, or too long for a 255-byte queue name, is named by its hash:
 * {@code fila.orders.h.<sha-256 prefix>});</li>
 * <li>where {@code <prefix>.<queue>} with a suffix would not fit in 255 bytes, the queue's part
 * is hashed too: {@code fila.q.<sha-256 prefix>.retry} and so on;</li>
 * <li>{@code fila.orders.s.<n>}: with {@code key-shards}, a bounded set of shard queues that
 * the keys are spread over instead of a queue each;</li>
 * <li>{@code fila.orders.retry}: where delayed retries land when their delay is over; its
 * existence is the Fila queue's existence;</li>
 * <li>{@code fila.orders.delay.<ms>}: one TTL queue per retry delay;</li>
 * <li>{@code fila.keys}: the driver's key log, a stream of queue and key announcements.</li>
 * </ul>
 */
final class AmqpNames {

	private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9._:@-]+");

	private static final int MAX_QUEUE_NAME_BYTES = 255;

	/** The length of {@code .h.<32 hex digits>}. */
	private static final int HASHED_KEY_LENGTH = 35;

	/** The most digits of a delay in milliseconds ({@link Long#MAX_VALUE}). */
	private static final int MAX_DELAY_DIGITS = 19;

	/** The length of {@code .s.<up to 4 digits>} (key-shards is at most 1024). */
	private static final int MAX_SHARD_SUFFIX = 7;

	private final String prefix;

	AmqpNames(String prefix) {
		this.prefix = prefix;
	}

	String prefix() {
		return this.prefix;
	}

	String keyLog() {
		return this.prefix + ".keys";
	}

	String keyQueue(String queue, String key) {
		String plain = this.prefix + "." + queue + ".k." + key;
		if (PLAIN_KEY.matcher(key).matches() && plain.length() <= MAX_QUEUE_NAME_BYTES) {
			return plain;
		}
		return base(queue, HASHED_KEY_LENGTH) + ".h." + hash(key);
	}

	/** The {@code index}-th key shard of a queue (driver option {@code key-shards}). */
	String shardQueue(String queue, int index) {
		return base(queue, MAX_SHARD_SUFFIX) + ".s." + index;
	}

	String retryQueue(String queue) {
		return base(queue, ".retry".length()) + ".retry";
	}

	String delayQueue(String queue, long delayMillis) {
		return delayQueuePrefix(queue) + delayMillis;
	}

	String delayQueuePrefix(String queue) {
		return base(queue, ".delay.".length() + MAX_DELAY_DIGITS) + ".delay.";
	}

	/**
	 * {@code <prefix>.<queue>}, the start of every RabbitMQ name behind a Fila queue, or, when
	 * that and a suffix of the given length would exceed RabbitMQ's 255 bytes (a long prefix
	 * with a long queue name), {@code <prefix>.q.<hash of the queue name>}. Names are ASCII
	 * (prefix and queue names are validated), so characters are bytes.
	 */
	private String base(String queue, int suffixLength) {
		String plain = this.prefix + "." + queue;
		if (plain.length() + suffixLength <= MAX_QUEUE_NAME_BYTES) {
			return plain;
		}
		return this.prefix + ".q." + hash(queue);
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

	private static String hash(String key) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
