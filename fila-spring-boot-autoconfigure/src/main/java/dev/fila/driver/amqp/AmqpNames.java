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
 * <li>{@code fila.orders.retry}: where delayed retries land when their delay is over; its
 * existence is the Fila queue's existence;</li>
 * <li>{@code fila.orders.delay.<ms>}: one TTL queue per retry delay;</li>
 * <li>{@code fila.keys}: the driver's key log, a stream of queue and key announcements.</li>
 * </ul>
 */
final class AmqpNames {

	private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9._:@-]+");

	private static final int MAX_QUEUE_NAME_BYTES = 255;

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
		return this.prefix + "." + queue + ".h." + hash(key);
	}

	String retryQueue(String queue) {
		return this.prefix + "." + queue + ".retry";
	}

	String delayQueue(String queue, long delayMillis) {
		return delayQueuePrefix(queue) + delayMillis;
	}

	String delayQueuePrefix(String queue) {
		return this.prefix + "." + queue + ".delay.";
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
