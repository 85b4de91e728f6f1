package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpClusterSupport.RabbitQueue;
import dev.fila.scheduling.FailureDecision;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AMQP driver with {@code quorum: true} against the shared driver contract, on the local
 * 3-node RabbitMQ cluster ({@code scripts/clusters.sh}) through Spring Boot's
 * {@code spring.rabbitmq.addresses}; and every queue it declares there is a quorum queue with
 * a member on each node.
 */
class AmqpClusterIntegrationTests extends AmqpContractTests {

	/**
	 * Fewer key shards than the default 16, since every test declares and deletes each one on three
	 * nodes; as many as the contract's tests use keys, so that each key has a shard of its own (as in
	 * AmqpShardedDriverIntegrationTests) and the weighted shares hold.
	 */
	private static final int KEY_SHARDS = 6;

	private static AnnotationConfigApplicationContext boot;

	@BeforeAll
	static void startBoot() {
		boot = AmqpClusterSupport.boot();
	}

	@AfterAll
	static void closeBoot() {
		boot.close();
	}

	@Override
	protected FilaDriver createDriver() {
		return AmqpClusterSupport.quorumDriver(boot.getBeanProvider(ConnectionFactory.class), this.prefix, KEY_SHARDS);
	}

	@Override
	protected void afterDriverClosed() {
		AmqpTestSupport.deleteKeyLog(boot.getBean(CachingConnectionFactory.class), this.prefix, this.driver);
		this.connectionFactory.destroy(); // the local node's, not used here
		assertThat(AmqpClusterSupport.queues("fila-b", this.prefix)).as("queues left behind").isEmpty();
	}

	@Test
	void everyQueueDeclaredIsAQuorumQueueWithAMemberOnEachNode() throws Exception {
		String queue = createQueue();
		// Key queues by name and by hash, a delay queue, the retry queue, and the dead-letter queue's own.
		this.driver.enqueue(queue, List.of(message("a", "tenant-a"), message("b", "tenant b/with odd characters"),
				message("c", "tenant-c")));
		LeasedMessage retried = fetchOne(queue);
		assertThat(this.driver.nack(retried, FailureDecision.retry(Duration.ofMinutes(5)), "later")).isTrue();
		LeasedMessage dead = fetchOne(queue);
		assertThat(this.driver.nack(dead, FailureDecision.deadLetter(), "poison")).isTrue();
		assertThat(fetchOne(QueueSpec.deadLetterQueueOf(queue)).id()).isEqualTo(dead.id());

		AmqpNames names = new AmqpNames(this.prefix);
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		List<RabbitQueue> queues = AmqpClusterSupport.queues("fila-c", this.prefix);
		// Key shards on quorum queues: a bounded set of Raft groups, not one per key.
		assertThat(queues).extracting(RabbitQueue::name)
			.doesNotContain(names.shardQueue(queue, KEY_SHARDS))
			.contains(names.shardQueue(queue, 0), names.shardQueue(queue, KEY_SHARDS - 1), names.retryQueue(queue),
					names.delayQueue(queue, 300000), names.retryQueue(dlq), names.shardQueue(dlq, 0), names.keyLog())
			.noneMatch((name) -> name.contains(":k:"));
		for (RabbitQueue rabbitQueue : queues) {
			String expectedType = rabbitQueue.name().equals(names.keyLog()) ? "stream" : "quorum";
			assertThat(rabbitQueue.type()).as("type of %s", rabbitQueue.name()).isEqualTo(expectedType);
			assertThat(rabbitQueue.members()).as("members of %s", rabbitQueue.name())
				.containsExactlyInAnyOrderElementsOf(AmqpClusterSupport.NODES);
			assertThat(rabbitQueue.online()).as("online members of %s", rabbitQueue.name())
				.containsExactlyInAnyOrderElementsOf(AmqpClusterSupport.NODES);
		}
	}

	@Test
	void aQueuePerKeyIsStillAvailableOnQuorumQueues() throws Exception {
		String prefix = AmqpTestSupport.uniquePrefix();
		AmqpDriver perKey = new AmqpDriver("amqp", boot.getBean(ConnectionFactory.class),
				AmqpDriverOptions.DEFAULTS.withPrefix(prefix).withQuorum(true).withKeyShards(0));
		try {
			perKey.createQueue(new QueueSpec("per-key", Duration.ofSeconds(30), 1, false));
			perKey.enqueue("per-key", List.of(message("a", "tenant-a")));
			List<LeasedMessage> fetched = perKey.fetch("per-key", 1, Duration.ofSeconds(10));
			assertThat(fetched).hasSize(1);
			perKey.ack(fetched.get(0));
			RabbitQueue keyQueue = AmqpClusterSupport.queues("fila-a", prefix)
				.stream()
				.filter((queue) -> queue.name().equals(new AmqpNames(prefix).keyQueue("per-key", "tenant-a")))
				.findFirst()
				.orElseThrow();
			assertThat(keyQueue.type()).isEqualTo("quorum");
			assertThat(keyQueue.members()).containsExactlyInAnyOrderElementsOf(AmqpClusterSupport.NODES);
			perKey.deleteQueue("per-key");
		}
		finally {
			perKey.close();
			AmqpTestSupport.deleteKeyLog(boot.getBean(CachingConnectionFactory.class), prefix);
		}
		assertThat(AmqpClusterSupport.queues("fila-b", prefix)).as("queues left behind").isEmpty();
	}

}
