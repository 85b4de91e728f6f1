package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;

import dev.fila.core.FilaHeaders;
import dev.fila.core.KeyStats;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

import static dev.fila.driver.redis.RedisTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a lease lives: {@code lt} (id to token and key) holds every lease a fetch handed out, and
 * nothing once it ended; and a lease handed out by the earlier layout, which kept its token in the
 * message's hash (field {@code l}, attempts counted when leased), is still acked, released,
 * nacked and expired after an upgrade with its attempts counted once.
 */
class RedisLeaseLayoutIntegrationTests extends AbstractRedisDriverTests {

	private static OutgoingMessage message(String payload) {
		return new OutgoingMessage(Map.of(), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling("k", 1, List.of()));
	}

	private List<LeasedMessage> fetchAll(String queue, int count) throws InterruptedException {
		List<LeasedMessage> leased = new ArrayList<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (leased.size() < count && System.nanoTime() < deadline) {
			leased.addAll(this.driver.fetch(queue, count - leased.size(), Duration.ofSeconds(2)));
		}
		leased.sort(Comparator.comparing((message) -> new String(message.payload(), StandardCharsets.UTF_8)));
		return leased;
	}

	private long leaseEntries(String queue) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return connection.hashCommands().hLen(bytes(this.driver.base(queue) + "lt"));
		}
	}

	/** Rewrites a lease as the earlier layout held it: token and counted attempt in the message's hash. */
	private void toEarlierLayout(String queue, LeasedMessage message) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			String base = this.driver.base(queue);
			assertThat(connection.hashCommands().hDel(bytes(base + "lt"), bytes(message.id()))).isEqualTo(1);
			connection.hashCommands()
				.hMSet(bytes(base + "m:" + message.id()), Map.of(bytes("l"), bytes(message.leaseToken()), bytes("a"),
						bytes(Integer.toString(message.attempts()))));
		}
	}

	@Test
	void everyLeaseHasAnEntryUntilItEnds() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		this.driver.enqueue(queue, List.of(message("a"), message("b"), message("c"), message("d")));
		List<LeasedMessage> leased = fetchAll(queue, 4);
		assertThat(leased).allSatisfy((message) -> assertThat(message.attempts()).isEqualTo(1));
		assertThat(leaseEntries(queue)).isEqualTo(4);
		assertThat(this.driver.ack(leased.get(0))).isTrue();
		assertThat(this.driver.release(leased.get(1))).isTrue();
		assertThat(this.driver.nack(leased.get(2), FailureDecision.retry(Duration.ZERO), "again")).isTrue();
		assertThat(this.driver.nack(leased.get(3), FailureDecision.deadLetter(), "poison")).isTrue();
		assertThat(leaseEntries(queue)).isZero();
		// The released one is on its first attempt again, the retried one on its second.
		List<LeasedMessage> again = fetchAll(queue, 2);
		assertThat(again).extracting(LeasedMessage::attempts).containsExactly(1, 2);
		assertThat(this.driver.ack(leased.get(1))).as("an ended lease").isFalse();
		assertThat(this.driver.ackAll(again)).containsOnly(true);
		LeasedMessage dead = fetchAll(QueueSpec.deadLetterQueueOf(queue), 1).get(0);
		assertThat(dead.headers()).containsEntry(FilaHeaders.ATTEMPTS, "1");
		assertThat(this.driver.ack(dead)).isTrue();
		assertThat(leaseEntries(queue)).isZero();
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	@Test
	void keysWithColonsOrOfAnyLengthKeepTheirInFlightCountsThroughLeaseEntries() throws Exception {
		// A lease entry is '<token>:<key>': the key is everything after the first colon.
		String queue = createQueue(Duration.ofSeconds(30));
		List<String> keys = List.of("a:b:c", ":", "::x", "k".repeat(2000) + ":end", "tenant \u00e9 \u4e2d");
		List<OutgoingMessage> batch = new ArrayList<>();
		for (String key : keys) {
			batch.add(new OutgoingMessage(Map.of(), key.getBytes(StandardCharsets.UTF_8), new Scheduling(key, 1, List.of())));
		}
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> leased = fetchAll(queue, keys.size());
		assertThat(leased).extracting(LeasedMessage::fairnessKey).containsExactlyInAnyOrderElementsOf(keys);
		assertThat(this.driver.stats(queue).keys())
			.allSatisfy((key) -> assertThat(key.inFlight()).as("in flight of %s", key.key()).isEqualTo(1))
			.extracting(KeyStats::key)
			.containsExactlyInAnyOrderElementsOf(keys);
		assertThat(this.driver.ackAll(leased)).containsOnly(true);
		assertThat(this.driver.stats(queue).keys())
			.allSatisfy((key) -> assertThat(key.inFlight()).as("in flight of %s", key.key()).isZero());
		assertThat(leaseEntries(queue)).isZero();
		// The next fetch finds their lists empty: with nothing in flight either, every key is forgotten.
		assertThat(this.driver.fetch(queue, 10, Duration.ZERO)).isEmpty();
		assertThat(this.driver.stats(queue).keys()).isEmpty();
	}

	@Test
	void leasesOfTheEarlierLayoutAreSettledWithTheirAttemptsCountedOnce() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		this.driver.enqueue(queue, List.of(message("a"), message("b"), message("c"), message("d"), message("e")));
		List<LeasedMessage> leased = fetchAll(queue, 5);
		leased.forEach((message) -> toEarlierLayout(queue, message));
		assertThat(this.driver.ackAll(List.of(leased.get(0)))).containsExactly(true);
		assertThat(this.driver.release(leased.get(1))).isTrue();
		assertThat(this.driver.nack(leased.get(2), FailureDecision.retry(Duration.ZERO), "again")).isTrue();
		assertThat(this.driver.nack(leased.get(3), FailureDecision.deadLetter(), "poison")).isTrue();
		assertThat(this.driver.extendLease(leased.get(4), Duration.ofSeconds(30))).isTrue();
		assertThat(this.driver.ack(leased.get(4))).isTrue();
		List<LeasedMessage> again = fetchAll(queue, 2);
		assertThat(again).extracting(LeasedMessage::attempts).containsExactly(1, 2);
		assertThat(this.driver.ackAll(again)).containsOnly(true);
		LeasedMessage dead = fetchAll(QueueSpec.deadLetterQueueOf(queue), 1).get(0);
		assertThat(dead.headers()).containsEntry(FilaHeaders.ATTEMPTS, "1");
		assertThat(this.driver.ack(dead)).isTrue();
		assertThat(this.driver.stats(queue).total()).isZero();
		assertThat(this.driver.stats(queue).inFlight()).isZero();
	}

	@Test
	void anExpiredLeaseOfTheEarlierLayoutComesBackOnItsNextAttempt() throws Exception {
		String queue = createQueue(Duration.ofMillis(300));
		this.driver.enqueue(queue, List.of(message("a"), message("b")));
		List<LeasedMessage> leased = fetchAll(queue, 2);
		toEarlierLayout(queue, leased.get(0));
		List<LeasedMessage> again = fetchAll(queue, 2);
		assertThat(again).extracting(LeasedMessage::attempts).containsExactly(2, 2);
		assertThat(this.driver.ack(leased.get(0))).as("an expired lease").isFalse();
		assertThat(this.driver.ackAll(again)).containsOnly(true);
		assertThat(leaseEntries(queue)).isZero();
		assertThat(this.driver.stats(queue).total()).isZero();
	}

}
