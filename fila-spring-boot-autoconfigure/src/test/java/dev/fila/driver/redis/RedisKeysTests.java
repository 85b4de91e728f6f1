package dev.fila.driver.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.fila.driver.QueueSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Redis key layout: distinct queues, fairness keys and message ids never share a key, and
 * every key of a queue and of its dead-letter queue hashes to one Redis Cluster slot.
 */
class RedisKeysTests {

	/** The fixed suffixes the scripts append to a queue's base (see the scripts under resources). */
	private static final List<String> FIXED = List.of("meta", "c", "seq", "ring", "ringset", "w", "drr", "turn", "kin",
			"kdl", "leases", "delayed", "kp", "wo", "kl", "ag", "purge", "purging", "ring1", "ringset1", "drr1", "ring9",
			"ringset9", "drr9");

	/** The words in front of a fairness key (its list at level 0 and at levels 1 to 9) or a message id. */
	private static final List<String> WORDS = List.of("k:", "m:", "k1:", "k5:", "k9:");

	@Test
	void validQueueNamesAreKeptAsTheyAre() {
		assertThat(RedisKeys.base("fila", "orders")).isEqualTo("fila:{orders}:orders:");
		assertThat(RedisKeys.base("fila", "orders.dlq")).isEqualTo("fila:{orders}:orders.dlq:");
		assertThat(RedisKeys.channel("fila", "orders.dlq")).isEqualTo("fila:{orders}:notify");
	}

	@Test
	void bracesAndColonsInQueueNamesCannotReachAnotherQueuesKeysOrSlot() {
		// Unescaped, "x}:orders:k:evil" would have put its keys in the slot of "x" and next to its keys.
		assertThat(RedisKeys.base("fila", "x}:orders:k:evil")).isEqualTo("fila:{x%7D%3Aorders%3Ak%3Aevil}:x%7D%3Aorders%3Ak%3Aevil:");
		assertThat(RedisKeys.base("fila", "a{b}")).isEqualTo("fila:{a%7Bb%7D}:a%7Bb%7D:");
		assertThat(RedisKeys.base("fila", "%7B")).isNotEqualTo(RedisKeys.base("fila", "{"));
		assertThat(hashTag(RedisKeys.base("fila", ".dlq") + "meta")).isEqualTo("%");
	}

	/**
	 * The property: over random queue names (rich in braces, colons, the escape character, dots
	 * and unicode), fairness keys and ids, every key is the key of one (queue, what) pair only,
	 * and its Redis Cluster hash tag is its source queue's, never empty.
	 */
	@Test
	void noTwoDistinctTuplesShareAKeyAndEveryQueueKeepsToOneSlot() {
		for (long seed = 1; seed <= 4; seed++) {
			Random random = new Random(seed);
			Map<String, List<Object>> seen = new HashMap<>();
			Map<String, String> tagOfSource = new HashMap<>();
			for (int i = 0; i < 40_000; i++) {
				String queue = randomString(random, 5);
				if (random.nextBoolean()) {
					queue = QueueSpec.deadLetterQueueOf(queue);
				}
				String base = RedisKeys.base("fila", queue);
				int kind = random.nextInt(3);
				List<Object> tuple;
				String key;
				if (kind == 0) {
					String fixed = FIXED.get(random.nextInt(FIXED.size()));
					tuple = List.of(queue, fixed);
					key = base + fixed;
				}
				else {
					String part = randomString(random, 6);
					String word = WORDS.get(random.nextInt(WORDS.size()));
					tuple = List.of(queue, word, part);
					key = base + word + part;
				}
				List<Object> before = seen.putIfAbsent(key, tuple);
				if (before != null && !before.equals(tuple)) {
					fail("%s and %s both map to %s", before, tuple, key);
				}
				String tag = hashTag(key);
				assertThat(tag).as("hash tag of %s", key).isNotEmpty();
				String previous = tagOfSource.putIfAbsent(QueueSpec.sourceQueueOf(queue), tag);
				assertThat(previous).as("slot of %s", queue).isIn(null, tag);
				assertThat(hashTag(RedisKeys.channel("fila", queue))).isEqualTo(tag);
				assertThat(key).doesNotStartWith("fila:queues").doesNotStartWith("fila:throttle:");
			}
			// Distinct sources, distinct tags: two queues never share a slot by name alone.
			assertThat(new java.util.HashSet<>(tagOfSource.values())).hasSameSizeAs(tagOfSource.keySet());
		}
	}

	/** Redis Cluster's rule: what is between the first '{' and the next '}', if not empty. */
	private static String hashTag(String key) {
		int open = key.indexOf('{');
		if (open < 0) {
			return "";
		}
		int close = key.indexOf('}', open + 1);
		return (close < 0) ? "" : key.substring(open + 1, close);
	}

	private static final String[] PIECES = { "", "a", "b", "k", "m", "meta", "c", "dlq", ".dlq", ".", ":", "::", "{",
			"}", "{}", "}:", ":{", "%", "%7B", "%3A", "%25", "#", "1", "-", "_", "ü", "日本", "\uD83D\uDE00", " ", "k:",
			"m:", ":k:", ":m:", "notify", "queues", "throttle" };

	private static String randomString(Random random, int maxPieces) {
		StringBuilder builder = new StringBuilder();
		int pieces = random.nextInt(maxPieces) + 1;
		for (int i = 0; i < pieces; i++) {
			builder.append(PIECES[random.nextInt(PIECES.length)]);
		}
		return builder.toString();
	}

}
