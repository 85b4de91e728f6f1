package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.data.redis.connection.DataType;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

import dev.fila.driver.ChurnWorkload;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageIds;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory stays bounded under churn: request-replies (a temporary reply queue each) and
 * thousands of fairness keys used once leave nothing behind, neither in the drivers nor in
 * Redis (keys and their entries under the test's own prefix).
 */
class RedisChurnIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();

	private final RedisDriver requester = new RedisDriver("redis", this.factory, this.prefix);

	/** Another application instance: it hears every reply queue's notifications. */
	private final RedisDriver responder = new RedisDriver("redis", this.factory, this.prefix);

	@AfterEach
	void cleanUp() {
		this.requester.close();
		this.responder.close();
		RedisTestSupport.deleteKeys(this.factory, this.prefix);
		this.factory.destroy();
	}

	/**
	 * Whether an idle fetch leaves a hand-off registration ({@code hw}) depends on whether its
	 * instance's subscription stands yet: the warm-ups must run as the measured runs do.
	 */
	private void awaitSubscriptions() throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!this.requester.signals().subscribed() || !this.responder.signals().subscribed()) {
			assertThat(System.nanoTime()).as("the subscriptions stand").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	@Test
	void requestRepliesLeaveNoNotificationEntriesNorKeys() throws Exception {
		awaitSubscriptions();
		this.requester.createQueue(new QueueSpec("rpc", Duration.ofSeconds(30), 1, false));
		ChurnWorkload.requestReplies(this.requester, this.responder, "rpc", 20, 2);
		long keys = RedisTestSupport.countKeys(this.factory, this.prefix);
		Map<String, Long> entries = entries();
		int replies = ChurnWorkload.requestReplies(this.requester, this.responder, "rpc", 2_000, 4);
		assertThat(replies).isEqualTo(2_000);
		assertThat(this.requester.signals().size()).isZero();
		assertThat(this.responder.signals().size()).isZero();
		assertThat(RedisTestSupport.countKeys(this.factory, this.prefix)).isEqualTo(keys);
		assertThat(entries()).isEqualTo(entries);
		assertThat(this.requester.listQueues()).containsExactly("rpc");
	}

	@Test
	void fairnessKeysUsedOnceLeaveNoEntries() throws Exception {
		awaitSubscriptions();
		this.requester.createQueue(new QueueSpec("tenants", Duration.ofSeconds(30), 1, false));
		ChurnWorkload.distinctKeys(this.requester, "tenants", "warm-", 1);
		long keys = RedisTestSupport.countKeys(this.factory, this.prefix);
		Map<String, Long> entries = entries();
		assertThat(ChurnWorkload.distinctKeys(this.requester, "tenants", "tenant-", 5_000)).isEqualTo(5_000);
		assertThat(entries()).isEqualTo(entries);
		assertThat(RedisTestSupport.countKeys(this.factory, this.prefix)).isEqualTo(keys);
		assertThat(this.requester.signals().size()).isZero();
		assertThat(this.responder.signals().size()).isZero();
	}

	/**
	 * Thousands of keys run dry at once, in one fetch and in one ack (the scripts forget them in
	 * slices): every one is forgotten, except a key that still has a delayed message.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void thousandsOfKeysRunDryInOneFetchOrOneAckAreAllForgotten(boolean ackBeforeTheFetchFindsThemEmpty)
			throws Exception {
		String queue = "dry-" + ackBeforeTheFetchFindsThemEmpty;
		this.requester.createQueue(new QueueSpec(queue, Duration.ofMinutes(5), 1, false));
		byte[] payload = "x".getBytes(StandardCharsets.UTF_8);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 2_500; i++) {
			batch.add(new OutgoingMessage(Map.of(), payload, new Scheduling("dry-" + i, 1, List.of())));
		}
		batch.add(new OutgoingMessage(Map.of(), payload, new Scheduling("held", 2, List.of())));
		batch.add(new OutgoingMessage(MessageIds.next(), Map.of(), payload, new Scheduling("held", 2, List.of()),
				Duration.ofMinutes(5)));
		this.requester.enqueue(queue, batch);
		List<LeasedMessage> leased = this.requester.fetch(queue, 5_000, Duration.ZERO);
		assertThat(leased).hasSize(2_501);
		if (ackBeforeTheFetchFindsThemEmpty) {
			assertThat(this.requester.ackAll(leased)).containsOnly(true);
			assertThat(this.requester.fetch(queue, 5_000, Duration.ZERO)).isEmpty();
		}
		else {
			assertThat(this.requester.fetch(queue, 5_000, Duration.ZERO)).isEmpty();
			assertThat(this.requester.ackAll(leased)).containsOnly(true);
		}
		assertThat(this.requester.stats(queue).keys()).singleElement().satisfies((held) -> {
			assertThat(held.key()).isEqualTo("held");
			assertThat(held.delayed()).isEqualTo(1);
			assertThat(held.weight()).isEqualTo(2);
		});
		// The schedule's keys (see common.lua): what is left is the held key's weight, delayed count and in-flight count (0).
		Map<String, Long> schedule = new TreeMap<>();
		entries().forEach((key, size) -> {
			String name = key.substring(key.lastIndexOf(':') + 1);
			if (key.endsWith(queue + ":" + name) && List.of("w", "kin", "kdl", "ring", "ringset", "drr").contains(name)) {
				schedule.put(name, size);
			}
		});
		assertThat(schedule).isEqualTo(Map.of("w", 1L, "kdl", 1L, "kin", 1L));
	}

	@Test
	void aCrashedRequestersReplyQueueIsSweptAfterItsDeadlineALiveOneIsNot() throws Exception {
		Map<String, Long> entries = entries();
		// A requester that died after creating its reply queue (and a reply that came anyway).
		this.requester.createQueue(new QueueSpec("fila-reply-crashed", Duration.ofSeconds(30), 1, false,
				Duration.ofMillis(300)));
		this.responder.enqueue("fila-reply-crashed", List.of(new OutgoingMessage(Map.of(), new byte[] { 1 },
				Scheduling.DEFAULT)));
		this.requester.createQueue(new QueueSpec("fila-reply-live", Duration.ofSeconds(30), 1, false,
				Duration.ofSeconds(30)));
		assertThat(this.responder.sweepExpiredQueues()).isZero();
		Thread.sleep(400);
		// Any instance sweeps, not only the creator.
		assertThat(this.responder.sweepExpiredQueues()).isOne();
		assertThat(this.responder.listQueues()).containsExactly("fila-reply-live");
		assertThat(this.responder.queueExists("fila-reply-crashed")).isFalse();
		this.requester.deleteQueue("fila-reply-live");
		assertThat(entries()).isEqualTo(entries);
	}

	/**
	 * Every key under the prefix (without it) with how many entries it holds: hash fields, set
	 * and sorted set members, list items.
	 */
	private Map<String, Long> entries() {
		Map<String, Long> entries = new TreeMap<>();
		try (RedisConnection connection = this.factory.getConnection();
				Cursor<byte[]> cursor = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(this.prefix + ":*").count(1000).build())) {
			List<byte[]> keys = new ArrayList<>();
			cursor.forEachRemaining(keys::add);
			for (byte[] key : keys) {
				DataType type = connection.keyCommands().type(key);
				Long size = switch (type) {
					case HASH -> connection.hashCommands().hLen(key);
					case SET -> connection.setCommands().sCard(key);
					case ZSET -> connection.zSetCommands().zCard(key);
					case LIST -> connection.listCommands().lLen(key);
					default -> 1L;
				};
				entries.put(new String(key, StandardCharsets.UTF_8).substring(this.prefix.length()), size);
			}
		}
		return entries;
	}

}
