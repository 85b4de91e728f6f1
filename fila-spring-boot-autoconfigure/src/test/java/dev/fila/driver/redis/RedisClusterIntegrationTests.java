package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis driver against the shared driver contract on a real Redis Cluster (3 masters,
 * 3 replicas, started by {@code scripts/clusters.sh start}), plus the operations that cross
 * queues and so cross hash slots: a throttle shared by queues in different slots, dead
 * letters and redrive, request-reply, listing queues across nodes.
 */
class RedisClusterIntegrationTests extends DriverContractTests {

	private final LettuceConnectionFactory connectionFactory = RedisClusterTestSupport.connectionFactory();

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
		RedisClusterTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void throttleSharedByQueuesInDifferentSlotsHoldsInTotal() throws Exception {
		List<String> queues = queuesInDifferentSlots(2);
		String throttle = "cluster-throttle-" + UUID.randomUUID();
		this.driver.setThrottle(throttle, 20, 1);
		for (String queue : queues) {
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				batch.add(message(queue + "-" + i, "k" + (i % 2), 1, List.of(throttle)));
			}
			this.driver.enqueue(queue, batch);
		}
		long start = System.nanoTime();
		int delivered = 0;
		int[] perQueue = new int[queues.size()];
		while (System.nanoTime() - start < Duration.ofMillis(1500).toNanos()) {
			for (int q = 0; q < queues.size(); q++) {
				List<LeasedMessage> fetched = this.driver.fetch(queues.get(q), 10, Duration.ofMillis(20));
				delivered += fetched.size();
				perQueue[q] += fetched.size();
				fetched.forEach(this.driver::ack);
			}
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		// Never more than burst + rate * t in total, whichever slot each queue lives in.
		assertThat(delivered).isLessThanOrEqualTo((int) Math.floor(1 + 20 * seconds));
		assertThat(perQueue[0]).isPositive();
		assertThat(perQueue[1]).isPositive();
	}

	@Test
	void deadLetterQueueAndRedriveShareTheSourceQueuesSlot() throws Exception {
		String queue = createQueue();
		RedisDriver redis = (RedisDriver) this.driver;
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			assertThat(connection.clusterGetSlotForKey(bytes(redis.base(QueueSpec.deadLetterQueueOf(queue)) + "c")))
				.isEqualTo(connection.clusterGetSlotForKey(bytes(redis.base(queue) + "c")));
		}
		this.driver.enqueue(queue, List.of(message("dead", "k")));
		LeasedMessage message = this.driver.fetch(queue, 1, Duration.ofSeconds(2)).get(0);
		this.driver.nack(message, dev.fila.scheduling.FailureDecision.deadLetter(), "boom");
		assertThat(this.driver.redrive(QueueSpec.deadLetterQueueOf(queue), 10)).isEqualTo(1);
		LeasedMessage again = this.driver.fetch(queue, 1, Duration.ofSeconds(2)).get(0);
		assertThat(again.payload()).isEqualTo(bytes("dead"));
		assertThat(again.attempts()).isEqualTo(1);
	}

	@Test
	void queuesAcrossTheClusterAreListedWithTheirStats() throws Exception {
		List<String> queues = queuesInDifferentSlots(6);
		for (String queue : queues) {
			this.driver.enqueue(queue, List.of(message("one", "k"), message("two", "k")));
		}
		assertThat(this.driver.listQueues()).containsAll(queues);
		for (String queue : queues) {
			assertThat(this.driver.stats(queue).pending()).isEqualTo(2);
		}
	}

	@Test
	void requestReplyOverATemporaryReplyQueue() {
		String queue = "cluster-quotes-" + UUID.randomUUID();
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
			.withUserConfiguration(Responder.class)
			.withPropertyValues("spring.data.redis.cluster.nodes=" + String.join(",", RedisClusterTestSupport.NODES),
					"fila.drivers.shared.type=redis", "fila.drivers.shared.redis.key-prefix=" + this.prefix,
					"test.queue=" + queue)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				FilaTemplate template = context.getBean(FilaTemplate.class);
				String reply = template.request(queue, Map.of(), "ping", String.class, Duration.ofSeconds(10));
				assertThat(reply).isEqualTo("pong: ping");
				assertThat(this.driver.listQueues()).noneMatch((name) -> name.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX));
				this.driver.deleteQueue(queue);
				this.driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
			});
	}

	static class Responder {

		@FilaListener(queue = "${test.queue}", id = "responder")
		String answer(String request) {
			return "pong: " + request;
		}

	}

	/** Creates queues whose keys live in pairwise different hash slots. */
	@Test
	void aQueuesNotificationsUseAShardedChannelOnItsSlotsMaster() throws Exception {
		RedisDriver redis = (RedisDriver) this.driver;
		String queue = createQueue();
		this.driver.fetch(queue, 1, Duration.ofMillis(10));
		String channel = redis.channel(queue);
		assertThat(channel).isEqualTo(this.prefix + ":{" + queue + "}:notify");
		assertThat(redis.channel(QueueSpec.deadLetterQueueOf(queue))).isEqualTo(channel);
		int master = RedisClusterTestSupport.masterPortOf(this.connectionFactory, redis.base(queue) + "c");
		assertThat(RedisClusterTestSupport.shardChannelsOn(master, this.prefix + "*")).containsExactly(channel);
		this.driver.deleteQueue(queue);
		assertThat(RedisClusterTestSupport.shardChannelsOn(master, this.prefix + "*")).isEmpty();
	}

	private List<String> queuesInDifferentSlots(int count) {
		List<String> queues = new ArrayList<>();
		List<Integer> slots = new ArrayList<>();
		RedisDriver redis = (RedisDriver) this.driver;
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			while (queues.size() < count) {
				String queue = createQueue();
				int slot = connection.clusterGetSlotForKey(bytes(redis.base(queue) + "c"));
				if (!slots.contains(slot)) {
					slots.add(slot);
					queues.add(queue);
				}
			}
		}
		return queues;
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
