package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AMQP driver with {@code key-shards} (keys spread over a bounded set of RabbitMQ queues)
 * against the shared driver contract, on the real RabbitMQ; and what sharing a shard means.
 */
class AmqpShardedDriverIntegrationTests extends AmqpContractTests {

	private static final int SHARDS = 6;

	@Override
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix, SHARDS));
	}

	@Test
	void theFirstKeysOfAQueueEachGetAShardOfTheirOwnInEveryInstance() throws Exception {
		String queue = createQueue();
		List<String> keys = List.of("tenant-a", "tenant-b", "tenant-c", "tenant-d", "tenant-e", "tenant-f");
		for (String key : keys) {
			this.driver.enqueue(queue, List.of(message("m", key)));
		}
		AmqpDriver first = (AmqpDriver) this.driver;
		Set<String> shards = new HashSet<>();
		for (String key : keys) {
			shards.add(first.keyQueue(queue, key));
		}
		assertThat(shards).hasSize(SHARDS).allMatch((name) -> name.startsWith(this.prefix + ":" + queue + ":s:"));
		// Another instance, started later, reads the same log and agrees.
		try (AmqpDriver second = new AmqpDriver("amqp", this.connectionFactory,
				AmqpTestSupport.options(this.prefix, SHARDS))) {
			assertThat(second.listQueues()).contains(queue);
			for (String key : keys) {
				assertThat(second.keyQueue(queue, key)).as("shard of %s", key).isEqualTo(first.keyQueue(queue, key));
			}
		}
	}

	@Test
	void moreKeysThanShardsShareShardsAndLoseNothing() throws Exception {
		String queue = createQueue();
		List<String> sent = new ArrayList<>();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			batch.add(message("m" + i, "key-" + (i % 40)));
		}
		sent.addAll(this.driver.enqueue(queue, batch));
		assertThat(this.driver.stats(queue).pending()).isEqualTo(200);
		Set<String> received = new HashSet<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (received.size() < sent.size() && System.nanoTime() < deadline) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofMillis(200))) {
				received.add(message.id());
				this.driver.ack(message);
			}
		}
		assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
		assertThat(this.driver.stats(queue).pending()).isZero();
	}

	@Test
	void everyShardIsConsumedWhetherOrNotItsKeysWereAnnounced() throws Exception {
		String queue = createQueue();
		AmqpDriver driver = (AmqpDriver) this.driver;
		// What a producer that could not read the key log in time does: publish a key without
		// an ordinal to the shard of its hash. Here, straight into the last shard.
		String shard = driver.shardQueues(queue).get(SHARDS - 1);
		AmqpMessages.Envelope envelope = new AmqpMessages.Envelope("unannounced-1", Map.of(), new byte[] { 1 },
				new Scheduling("never-announced", 1, List.of()), 0, System.currentTimeMillis());
		try (var connection = this.connectionFactory.createConnection()) {
			var channel = connection.createChannel(false);
			channel.basicPublish("", shard, true, AmqpMessages.properties(envelope), envelope.payload());
			channel.close();
		}
		LeasedMessage message = fetchOne(queue);
		assertThat(message.id()).isEqualTo("unannounced-1");
		assertThat(message.fairnessKey()).isEqualTo("never-announced");
		this.driver.ack(message);
	}

}
