package dev.fila.driver.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.DeficitRoundRobin;
import dev.fila.scheduling.QueueFlow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis driver against the shared driver contract, on the real Redis, plus what only
 * Redis has: script reloading, lost queues, key layout.
 */
class RedisDriverIntegrationTests extends DriverContractTests {

	private final LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory();

	private final String prefix = RedisTestSupport.uniquePrefix();

	@Override
	protected FilaDriver createDriver() {
		return new RedisDriver("redis", this.connectionFactory, this.prefix);
	}

	@Override
	protected FilaDriver createSharingInstance() {
		return new RedisDriver("redis", this.connectionFactory, this.prefix);
	}

	@Override
	protected void afterDriverClosed() {
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	/**
	 * The fetch script runs deficit round robin exactly as {@link DeficitRoundRobin} does, with
	 * weights (fractional too), a quantum above 1 and keys running dry, whatever the fetch size:
	 * a key's turn carries over from one fetch to the next.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 1, 4, 50 })
	void fetchOrderIsTheReferenceDeficitRoundRobinsAtAnyFetchSize(int fetchSize) throws Exception {
		assertFetchOrderIsTheReference(fetchSize, 2, new double[] { 1, 2, 0.5, 3, 1, 1.5 });
	}

	/**
	 * The same with weights under one credit per round, where rounds that serve nothing are
	 * skipped (in Java and in the script, with the same arithmetic), mixed with weight 1 and alone.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 1, 4, 50 })
	void fetchOrderIsTheReferenceDeficitRoundRobinsWithSmallWeights(int fetchSize) throws Exception {
		assertFetchOrderIsTheReference(fetchSize, 1, new double[] { 0.1, 0.01, 0.3, 1, 0.07, 0.5 });
		assertFetchOrderIsTheReference(fetchSize, 1, new double[] { 0.1, 0.01, 0.3, 0.013, 0.07, 0.05 });
		assertFetchOrderIsTheReference(fetchSize, 3, new double[] { 0.1, 0.01, 0.3, 0.013, 0.07, 0.05 });
	}

	private void assertFetchOrderIsTheReference(int fetchSize, int quantum, double[] weights) throws Exception {
		String queue = "drr-" + UUID.randomUUID();
		this.driver.createQueue(new QueueSpec(queue, Duration.ofSeconds(30), quantum, false));
		String[] keys = { "k0", "k1", "k2", "k3", "k4", "k5" };
		int[] counts = { 7, 20, 3, 15, 1, 9 };
		DeficitRoundRobin<String> reference = new DeficitRoundRobin<>(quantum);
		Map<String, Integer> left = new LinkedHashMap<>();
		for (int k = 0; k < keys.length; k++) {
			// One enqueue per key: keys that first appear in the same batch join the ring in any order.
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < counts[k]; i++) {
				batch.add(message(keys[k] + "-" + i, keys[k], weights[k], List.of()));
			}
			this.driver.enqueue(queue, batch);
			reference.activate(keys[k], weights[k]);
			left.put(keys[k], counts[k]);
		}
		List<String> expected = new ArrayList<>();
		String next;
		while ((next = reference.next((key) -> (left.get(key) > 0) ? key : null)) != null) {
			expected.add(next);
			left.merge(next, -1, Integer::sum);
			if (left.get(next) == 0) {
				reference.deactivate(next);
			}
		}
		List<String> served = new ArrayList<>();
		List<LeasedMessage> fetched;
		while (!(fetched = this.driver.fetch(queue, fetchSize, Duration.ofMillis(50))).isEmpty()) {
			fetched.forEach((message) -> served.add(message.fairnessKey()));
			this.driver.ackAll(fetched);
		}
		assertThat(served).hasSize(55).isEqualTo(expected);
		this.driver.deleteQueue(queue);
	}

	@Test
	void scriptsAreReloadedAfterAScriptFlush() throws Exception {
		String queue = createQueue();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.scriptingCommands().scriptFlush();
		}
		this.driver.enqueue(queue, List.of(message("after flush", "k")));
		assertThat(fetchOne(queue).attempts()).isEqualTo(1);
	}

	@Test
	void queueLostFromRedisIsRecreatedOnUse() throws Exception {
		String queue = createQueue();
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.driver.enqueue(queue, List.of(message("again", "k")));
		assertThat(fetchOne(queue).payload()).isEqualTo("again".getBytes());
	}

	@Test
	void everyKeyOfAQueueAndItsDlqSharesOneHashTag() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("x", "k1"), message("y", "k2")));
		LeasedMessage message = fetchOne(queue);
		this.driver.nack(message, dev.fila.scheduling.FailureDecision.deadLetter(), "dead");
		RedisDriver redis = (RedisDriver) this.driver;
		assertThat(redis.base(queue)).startsWith(this.prefix + ":{" + queue + "}:");
		assertThat(redis.base(QueueSpec.deadLetterQueueOf(queue))).startsWith(this.prefix + ":{" + queue + "}:");
	}

	@Test
	void fetchesTheLargestPrefetchInOneCall() throws Exception {
		String queue = createQueue();
		List<dev.fila.driver.OutgoingMessage> batch = new java.util.ArrayList<>();
		for (int i = 0; i < 10_001; i++) {
			batch.add(message("m" + i, "k" + (i % 3)));
			if (batch.size() == 1000) {
				this.driver.enqueue(queue, batch);
				batch.clear();
			}
		}
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> fetched = this.driver.fetch(queue, 10_001, Duration.ofSeconds(5));
		assertThat(fetched).hasSize(10_001);
		assertThat(this.driver.stats(queue).inFlight()).isEqualTo(10_001);
	}

	/**
	 * With priority aging, a pending message is also in the queue's aging set: a purge, and a
	 * redrive out of a dead-letter queue with aging, take it out of there too, rather than leave
	 * it for fetches to find gone.
	 */
	@Test
	void purgeAndRedriveLeaveNothingInTheAgingSet() throws Exception {
		String queue = createQueue();
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		QueueFlow aging = QueueFlow.NONE.withPriorityAging(60_000);
		this.driver.applyFlow(queue, aging);
		this.driver.applyFlow(dlq, aging);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			batch.add(message("m" + i, "k" + (i % 3)));
		}
		this.driver.enqueue(queue, batch);
		RedisDriver redis = (RedisDriver) this.driver;
		assertThat(agingSetSize(redis.base(queue))).isEqualTo(20);
		assertThat(this.driver.purge(queue)).isEqualTo(20);
		assertThat(agingSetSize(redis.base(queue))).as("aging set after a purge").isZero();
		this.driver.enqueue(queue, List.of(message("dead", "k")));
		this.driver.nack(fetchOne(queue), dev.fila.scheduling.FailureDecision.deadLetter(), "dead");
		assertThat(agingSetSize(redis.base(dlq))).isEqualTo(1);
		assertThat(this.driver.redrive(dlq, 10)).isEqualTo(1);
		assertThat(agingSetSize(redis.base(dlq))).as("the dead-letter queue's aging set after a redrive").isZero();
		assertThat(agingSetSize(redis.base(queue))).as("the redriven message ages in its queue").isEqualTo(1);
	}

	private long agingSetSize(String base) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Long size = connection.zSetCommands().zCard(RedisTestSupport.bytes(base + "ag"));
			return (size != null) ? size : 0;
		}
	}

	@Test
	void deletingAQueueLeavesNoKeysBehind() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		this.driver.enqueue(queue, List.of(message("a", "k1"), message("b", "k2"), message("c", "k3")));
		LeasedMessage leased = fetchOne(queue);
		this.driver.nack(leased, dev.fila.scheduling.FailureDecision.retry(Duration.ofMinutes(1)), "later");
		fetchOne(queue);
		this.driver.deleteQueue(queue);
		this.driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.setCommands().sRem(RedisTestSupport.bytes(this.prefix + ":queues"),
					RedisTestSupport.bytes(queue));
		}
		assertThat(RedisTestSupport.countKeys(this.connectionFactory, this.prefix)).isZero();
	}

}
