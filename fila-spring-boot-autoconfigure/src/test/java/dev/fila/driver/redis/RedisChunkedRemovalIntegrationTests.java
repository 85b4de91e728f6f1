package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Purge, delete and redrive of large queues run as many bounded script calls, not one that
 * blocks Redis, and still leave a complete, consistent result.
 */
class RedisChunkedRemovalIntegrationTests extends AbstractRedisDriverTests {

	private static final int LARGE = 20_000;

	private String createQueue() {
		return createQueue(Duration.ofSeconds(30));
	}

	private static OutgoingMessage message(String payload, String key) {
		return new OutgoingMessage(Map.of(), payload.getBytes(StandardCharsets.UTF_8), new Scheduling(key, 1, List.of()));
	}

	/** Enqueues {@code count} messages over a few keys, one big key among them. */
	private void fill(String queue, int count) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(message("m" + i, (i % 2 == 0) ? "big" : "k" + (i % 7)));
			if (batch.size() == 1000) {
				this.driver.enqueue(queue, batch);
				batch.clear();
			}
		}
		if (!batch.isEmpty()) {
			this.driver.enqueue(queue, batch);
		}
	}

	private long pendingIds(String queue) {
		String base = this.driver.base(queue);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			long ids = 0;
			for (byte[] key : connection.setCommands().sMembers(RedisTestSupport.bytes(base + "ringset"))) {
				ids += connection.listCommands()
					.lLen(RedisTestSupport.bytes(base + "k:" + new String(key, StandardCharsets.UTF_8)));
			}
			return ids;
		}
	}

	@Test
	void purgeOfALargeQueueRemovesEverythingInBoundedCalls() throws Exception {
		String queue = createQueue();
		fill(queue, LARGE);
		LeasedMessage delayed = this.driver.fetch(queue, 1, Duration.ofSeconds(2)).get(0);
		this.driver.nack(delayed, FailureDecision.retry(Duration.ofMinutes(5)), "later");
		int calls = 0;
		long removed = 0;
		Chunk chunk;
		do {
			chunk = this.driver.purgeChunk(queue, 1000);
			assertThat(chunk.count()).as("messages one call removed").isLessThanOrEqualTo(1000);
			removed += chunk.count();
			calls++;
		}
		while (!chunk.done());
		assertThat(removed).isEqualTo(LARGE);
		assertThat(calls).isGreaterThanOrEqualTo(LARGE / 1000);
		assertThat(this.driver.stats(queue).total()).isZero();
		assertThat(this.driver.stats(queue).keys()).isEmpty();
		assertThat(pendingIds(queue)).isZero();
		// What is enqueued after a purge is delivered as usual.
		this.driver.enqueue(queue, List.of(message("after", "big")));
		assertThat(this.driver.fetch(queue, 10, Duration.ofSeconds(2))).hasSize(1);
	}

	@Test
	void purgeDuringEnqueuesAndFetchesEndsAndKeepsTheCountsRight() throws Exception {
		String queue = createQueue();
		fill(queue, LARGE);
		AtomicBoolean purging = new AtomicBoolean(true);
		AtomicLong enqueued = new AtomicLong(LARGE);
		AtomicLong fetched = new AtomicLong();
		CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
			int i = 0;
			while (purging.get()) {
				this.driver.enqueue(queue, List.of(message("new" + i, (i % 2 == 0) ? "big" : "late"),
						message("new" + i + "b", "k" + (i % 7))));
				enqueued.addAndGet(2);
				i++;
			}
		});
		CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> {
			try {
				while (purging.get()) {
					List<LeasedMessage> messages = this.driver.fetch(queue, 20, Duration.ofMillis(100));
					this.driver.ackAll(messages);
					fetched.addAndGet(messages.size());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		long removed = this.driver.purge(queue);
		purging.set(false);
		producer.get(30, TimeUnit.SECONDS);
		consumer.get(30, TimeUnit.SECONDS);
		long left = this.driver.stats(queue).pending();
		// Each message was purged, delivered or is still pending, once; the counter agrees with the lists.
		assertThat(removed + fetched.get() + left).isEqualTo(enqueued.get());
		assertThat(left).isEqualTo(pendingIds(queue));
		assertThat(removed).isGreaterThan(0);
	}

	@Test
	void deleteOfALargeQueueRemovesEveryKeyInBoundedCalls() throws Exception {
		String queue = createQueue();
		fill(queue, LARGE);
		this.driver.fetch(queue, 500, Duration.ofSeconds(2));
		Chunk first = this.driver.deleteChunk(queue, 1000);
		assertThat(first.count()).as("the queue existed").isEqualTo(1);
		assertThat(first.done()).isFalse();
		assertThat(this.driver.queueExists(queue)).isFalse();
		assertThat(this.driver.deleteQueue(queue)).as("deleted at the first call already").isFalse();

		this.driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.setCommands().sRem(RedisTestSupport.bytes(this.prefix + ":queues"), RedisTestSupport.bytes(queue));
		}
		assertThat(RedisTestSupport.countKeys(this.connectionFactory, this.prefix)).isZero();
	}

	@Test
	void redriveOfALargeDeadLetterQueueMovesEverythingInBoundedCalls() throws Exception {
		String queue = createQueue();
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		fill(dlq, LARGE);
		Chunk chunk = this.driver.redriveChunk(dlq, 500);
		assertThat(chunk.count()).isEqualTo(500);
		assertThat(chunk.done()).isFalse();
		assertThat(this.driver.redrive(dlq, Integer.MAX_VALUE)).isEqualTo(LARGE - 500);
		assertThat(this.driver.stats(dlq).total()).isZero();
		assertThat(this.driver.stats(queue).pending()).isEqualTo(LARGE);
		assertThat(pendingIds(queue)).isEqualTo(LARGE);
	}

}
