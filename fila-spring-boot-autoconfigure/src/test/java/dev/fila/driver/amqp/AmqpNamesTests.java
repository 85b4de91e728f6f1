package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Names of the RabbitMQ queues behind Fila queues: readable where they fit, never the same for
 * two different queues, keys, shards or delays, and never over RabbitMQ's 255 bytes.
 */
class AmqpNamesTests {

	private final AmqpNames names = new AmqpNames("fila");

	@Test
	void namesThatFitAreReadable() {
		assertThat(this.names.keyQueue("orders", "acme")).isEqualTo("fila:orders:k:acme");
		assertThat(this.names.keyQueue("orders.dlq", "acme")).isEqualTo("fila:orders.dlq:k:acme");
		assertThat(this.names.shardQueue("orders", 3)).isEqualTo("fila:orders:s:3");
		assertThat(this.names.retryQueue("orders")).isEqualTo("fila:orders:retry");
		assertThat(this.names.delayQueue("orders", 1500)).isEqualTo("fila:orders:delay:1500");
		assertThat(this.names.keyLog()).isEqualTo("fila:keys");
		assertThat(this.names.throttleTokens("stripe", 10)).isEqualTo("fila:throttle.stripe.10");
		assertThat(this.names.throttleTokens("a.b:c", 1)).isEqualTo("fila:throttle.a.b%3Ac.1");
		assertThat(this.names.throttleLeader()).isEqualTo("fila:throttle-leader");
		assertThat(this.names.keyQueue("orders", "tenant:42 ü")).isEqualTo("fila:orders:k:tenant%3A42%20%C3%BC");
	}

	@Test
	void dotsInQueueNamesAndKeysDoNotCollide() {
		// Issue 16: the key queue of orders for key "retry" was the retry queue of "orders.k".
		assertThat(this.names.keyQueue("orders", "retry")).isNotEqualTo(this.names.retryQueue("orders.k"));
		assertThat(this.names.keyQueue("orders", "x.delay.100")).isNotEqualTo(this.names.delayQueue("orders.k.x", 100));
		assertThat(this.names.keyQueue("orders", "x:delay:100")).isNotEqualTo(this.names.delayQueue("orders:k:x", 100));
		assertThat(this.names.keyQueue("orders", "s.1")).isNotEqualTo(this.names.shardQueue("orders.k", 1));
		assertThat(this.names.keyQueue("a", "b:k:c")).isNotEqualTo(this.names.keyQueue("a:k:b", "c"));
		assertThat(new AmqpNames("fila.orders").retryQueue("x")).isNotEqualTo(this.names.retryQueue("orders.x"));
		assertThat(new AmqpNames("fila:orders").keyLog()).isNotEqualTo(this.names.keyQueue("orders", "keys"));
	}

	@Test
	void escapingIsPercentEncodingOfUtf8WithLoneSurrogatesKept() {
		assertThat(AmqpNames.escape("A-z_0.9@")).isEqualTo("A-z_0.9@");
		assertThat(AmqpNames.escape("%:#")).isEqualTo("%25%3A%23");
		assertThat(AmqpNames.escape("\uD83D\uDE00")).isEqualTo("%F0%9F%98%80");
		// String.getBytes would turn both into "?": the names must differ.
		assertThat(AmqpNames.escape("\uD800")).isEqualTo("%ED%A0%80").isNotEqualTo(AmqpNames.escape("?"));
	}

	@Test
	void longestPrefixAndQueueNameStayWithinRabbitMqsLimit() {
		AmqpNames longest = new AmqpNames("p".repeat(40));
		String queue = "q".repeat(200) + ".dlq";
		assertThat(bytes(longest.retryQueue(queue))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.delayQueue(queue, Long.MAX_VALUE))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.keyQueue(queue, "k"))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.keyQueue(queue, "k".repeat(300)))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.shardQueue(queue, 1023))).isLessThanOrEqualTo(255);
		assertThat(longest.keyQueue(queue, "k".repeat(300))).startsWith("p".repeat(40) + ":" + "q".repeat(150))
			.matches(".*#[0-9a-f]{32}");
	}

	@Test
	void hashedNamesAreTheSameInEveryInstanceAndDifferPerQueue() {
		AmqpNames one = new AmqpNames("p".repeat(40));
		AmqpNames other = new AmqpNames("p".repeat(40));
		String queue = "q".repeat(220);
		assertThat(one.retryQueue(queue)).isEqualTo(other.retryQueue(queue))
			.isNotEqualTo(one.retryQueue("r".repeat(220)))
			.isNotEqualTo(one.retryQueue(queue + "x"));
		assertThat(one.keyQueue(queue, "k")).isEqualTo(other.keyQueue(queue, "k"))
			.isNotEqualTo(one.keyQueue(queue, "j"));
	}

	/**
	 * The property: over many random (prefix, kind, queue, key/shard/delay) tuples, drawn from
	 * pieces that look like the separators, the escape character, the kinds and the hash mark,
	 * with unicode, lone surrogates and long strings, no two different tuples share a name and
	 * every name is valid for RabbitMQ.
	 */
	@Test
	void noTwoDistinctTuplesShareANameAndEveryNameFits() {
		for (long seed = 1; seed <= 4; seed++) {
			Random random = new Random(seed);
			Map<String, List<Object>> seen = new HashMap<>();
			for (int i = 0; i < 40_000; i++) {
				String prefix = (random.nextInt(4) == 0) ? randomString(random, 12) : "fila";
				AmqpNames names = new AmqpNames(prefix);
				String queue = randomString(random, 6);
				int kind = random.nextInt(7);
				List<Object> tuple;
				String name;
				switch (kind) {
					case 0 -> {
						tuple = List.of(prefix, "keys");
						name = names.keyLog();
					}
					case 1 -> {
						String key = randomString(random, 8);
						tuple = List.of(prefix, "k", queue, key);
						name = names.keyQueue(queue, key);
					}
					case 2 -> {
						int shard = random.nextInt(1025);
						tuple = List.of(prefix, "s", queue, shard);
						name = names.shardQueue(queue, shard);
					}
					case 3 -> {
						tuple = List.of(prefix, "retry", queue);
						name = names.retryQueue(queue);
					}
					case 4 -> {
						// A throttle key may look like a queue name: its token queue must still differ.
						long burst = random.nextInt(3) == 0 ? random.nextLong(Long.MAX_VALUE) : random.nextInt(20);
						tuple = List.of(prefix, "throttle", queue, burst);
						name = names.throttleTokens(queue, burst);
					}
					case 5 -> {
						tuple = List.of(prefix, "throttle-leader");
						name = names.throttleLeader();
					}
					default -> {
						long delay = AmqpNames.delayBucket(random.nextInt(3) == 0 ? random.nextLong(Long.MAX_VALUE / 2)
								: random.nextInt(1_000_000));
						tuple = List.of(prefix, "delay", queue, delay);
						name = names.delayQueue(queue, delay);
					}
				}
				assertThat(bytes(name)).as("bytes of %s", name).isLessThanOrEqualTo(255);
				assertThat(name).doesNotStartWith("amq.");
				List<Object> before = seen.putIfAbsent(name, tuple);
				if (before != null && !before.equals(tuple)) {
					fail("%s and %s both map to %s", before, tuple, name);
				}
			}
			assertThat(seen).hasSizeGreaterThan(10_000);
		}
	}

	private static final String[] PIECES = { "", "a", "b", "k", "s", "h", "q", "retry", "delay", "keys", "dlq", ".",
			"..", ":", "::", "%", "%3A", "%25", "#", "1", "100", "0", "-", "_", "@", "{", "}", "/", " ", "ü", "€", "日本",
			"\uD83D\uDE00", "\uD800", "\uDC00", "?", "\u0000", "\n", ".k.", ".delay.", ":k:", ":delay:", ":retry", ".retry",
			".s.", ":s:", "throttle", "throttle.", "throttle-leader", "settings" };

	/** Mostly short strings of tricky pieces, sometimes a long one (over RabbitMQ's limit on its own). */
	private static String randomString(Random random, int maxPieces) {
		StringBuilder builder = new StringBuilder();
		int pieces = random.nextInt(maxPieces) + 1;
		for (int i = 0; i < pieces; i++) {
			builder.append(PIECES[random.nextInt(PIECES.length)]);
		}
		if (random.nextInt(20) == 0) {
			int length = 100 + random.nextInt(400);
			for (int i = 0; i < length; i++) {
				builder.append(random.nextInt(8) == 0 ? PIECES[random.nextInt(PIECES.length)] : "x");
			}
		}
		return builder.toString();
	}

	private static int bytes(String name) {
		return name.getBytes(StandardCharsets.UTF_8).length;
	}

}
