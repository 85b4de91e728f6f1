package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;

import dev.fila.core.FilaHeaders;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data gone from Redis behind the driver's back (a message hash evicted under a
 * {@code maxmemory-policy} other than {@code noeviction}, or deleted by hand): the scripts skip
 * and count it, and never fail half-way leaving other messages without a lease deadline.
 */
class RedisMissingMessageIntegrationTests extends AbstractRedisDriverTests {

	private static OutgoingMessage message(String payload, String key) {
		return new OutgoingMessage(Map.of("h", payload), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling(key, 1, List.of()));
	}

	/** Deletes a message's hash with a plain Redis command, as an eviction would. */
	private void deleteHash(String queue, String id) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			assertThat(connection.keyCommands().del(RedisTestSupport.bytes(this.driver.base(queue) + "m:" + id)))
				.isEqualTo(1);
		}
	}

	private static List<String> payloads(List<LeasedMessage> messages) {
		return messages.stream().map((message) -> new String(message.payload(), StandardCharsets.UTF_8)).toList();
	}

	@Test
	void fetchSkipsAMessageWhoseHashIsGoneAndLeasesTheOthersProperly() throws Exception {
		String queue = createQueue(Duration.ofMillis(500));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("a" + i, "a"));
			batch.add(message("b" + i, "b"));
		}
		List<String> ids = this.driver.enqueue(queue, batch);
		deleteHash(queue, ids.get(2)); // a1, in the middle of a batch a fetch takes at once
		List<LeasedMessage> fetched = this.driver.fetch(queue, 20, Duration.ofSeconds(2));
		assertThat(payloads(fetched)).hasSize(9).doesNotContain("a1").contains("a0", "a2", "b4");
		assertThat(this.driver.missingMessages(queue)).isEqualTo(1);
		assertThat(this.driver.stats(queue).pending()).isZero();
		assertThat(this.driver.stats(queue).inFlight()).isEqualTo(9);
		// Not acked: every one of them has a lease deadline and comes back after it.
		List<LeasedMessage> again = new ArrayList<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (again.size() < 9 && System.nanoTime() < deadline) {
			again.addAll(this.driver.fetch(queue, 20, Duration.ofSeconds(2)));
		}
		assertThat(payloads(again)).containsExactlyInAnyOrderElementsOf(payloads(fetched));
		assertThat(again).allSatisfy((message) -> assertThat(message.attempts()).isEqualTo(2));
		assertThat(this.driver.ackAll(again)).containsOnly(true);
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	@Test
	void expiredLeaseOfAMessageWhoseHashIsGoneIsCountedAndTheOthersComeBack() throws Exception {
		String queue = createQueue(Duration.ofMillis(300));
		List<String> ids = this.driver.enqueue(queue, List.of(message("kept", "k"), message("lost", "k")));
		assertThat(this.driver.fetch(queue, 2, Duration.ofSeconds(2))).hasSize(2);
		deleteHash(queue, ids.get(1));
		List<LeasedMessage> back = this.driver.fetch(queue, 2, Duration.ofSeconds(5));
		assertThat(payloads(back)).containsExactly("kept");
		assertThat(this.driver.missingMessages(queue)).isEqualTo(1);
		assertThat(this.driver.stats(queue).inFlight()).isEqualTo(1);
	}

	@Test
	void redriveSkipsAMessageWhoseHashIsGoneAndMovesTheOthers() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		List<String> ids = this.driver.enqueue(queue,
				List.of(message("a", "k"), message("b", "k"), message("c", "k")));
		for (LeasedMessage message : this.driver.fetch(queue, 3, Duration.ofSeconds(2))) {
			assertThat(this.driver.nack(message, FailureDecision.deadLetter(), "dead")).isTrue();
		}
		deleteHash(dlq, ids.get(1));
		assertThat(this.driver.redrive(dlq, 10)).isEqualTo(2);
		assertThat(this.driver.missingMessages(dlq)).isEqualTo(1);
		assertThat(this.driver.stats(dlq).total()).isZero();
		assertThat(payloads(this.driver.fetch(queue, 10, Duration.ofSeconds(2)))).containsExactly("a", "c");
	}

	@Test
	void deadLetteringAMessageWithUnreadableHeadersKeepsIt() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		List<String> ids = this.driver.enqueue(queue, List.of(message("odd", "k")));
		LeasedMessage leased = this.driver.fetch(queue, 1, Duration.ofSeconds(2)).get(0);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.hashCommands().hSet(RedisTestSupport.bytes(this.driver.base(queue) + "m:" + ids.get(0)),
					RedisTestSupport.bytes("h"), RedisTestSupport.bytes("not json"));
		}
		assertThat(this.driver.nack(leased, FailureDecision.deadLetter(), "dead")).isTrue();
		LeasedMessage dead = this.driver.fetch(QueueSpec.deadLetterQueueOf(queue), 1, Duration.ofSeconds(2)).get(0);
		assertThat(dead.payload()).isEqualTo("odd".getBytes(StandardCharsets.UTF_8));
		assertThat(dead.headers()).containsEntry(FilaHeaders.ERROR, "dead");
	}

	@Test
	void purgeCountsWhatIsAlreadyGone() {
		String queue = createQueue(Duration.ofSeconds(30));
		List<String> ids = this.driver.enqueue(queue, List.of(message("a", "k"), message("b", "k"), message("c", "k")));
		deleteHash(queue, ids.get(0));
		assertThat(this.driver.purge(queue)).isEqualTo(2);
		assertThat(this.driver.missingMessages(queue)).isEqualTo(1);
		assertThat(this.driver.stats(queue).total()).isZero();
	}

}
