package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AMQP driver against the shared driver contract, on the real RabbitMQ.
 */
class AmqpDriverIntegrationTests extends DriverContractTests {

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	@Override
	protected boolean supportsPeek() {
		return false;
	}

	@Override
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
	}

	@Override
	protected void afterDriverClosed() {
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix, this.driver);
		this.connectionFactory.destroy();
	}

	@Test
	void keyQueueDeletedUnderTrafficLosesNothing() throws Exception {
		String queue = createQueue();
		List<String> sent = new ArrayList<>(this.driver.enqueue(queue, List.of(message("before", "k"))));
		Set<String> received = new HashSet<>();
		LeasedMessage first = fetchOne(queue);
		received.add(first.id());
		this.driver.ack(first);
		// What an idle-key expiry (or an operator) does: the key queue disappears while in use.
		try (var connection = this.connectionFactory.createConnection()) {
			var channel = connection.createChannel(false);
			channel.queueDelete(new AmqpNames(this.prefix).keyQueue(queue, "k"));
			channel.close();
		}
		for (int i = 0; i < 20; i++) {
			sent.addAll(this.driver.enqueue(queue, List.of(message("after" + i, "k"))));
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!received.containsAll(sent) && System.nanoTime() < deadline) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofMillis(200))) {
				received.add(message.id());
				this.driver.ack(message);
			}
		}
		assertThat(received).containsAll(sent);
	}

	@Test
	void keysThatLookLikeOtherQueuesOrNeedEscapingGetQueuesOfTheirOwn() throws Exception {
		String queue = createQueue();
		// Names RabbitMQ must take: keys that spell other kinds of queues, escaped keys
		// (":", "%", "#", unicode) and a key too long for a name of its own (hashed).
		List<String> keys = List.of("retry", "x.delay.100", "tenant:42 ü/%#", "k".repeat(300), "\uD83D\uDE00");
		Set<String> sent = new HashSet<>();
		for (String key : keys) {
			sent.addAll(this.driver.enqueue(queue, List.of(message(key, key))));
		}
		Set<String> keyQueues = new HashSet<>();
		for (String key : keys) {
			keyQueues.add(((AmqpDriver) this.driver).keyQueue(queue, key));
		}
		assertThat(keyQueues).hasSize(keys.size());
		Set<String> received = new HashSet<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!received.containsAll(sent) && System.nanoTime() < deadline) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofMillis(200))) {
				assertThat(new String(message.payload(), java.nio.charset.StandardCharsets.UTF_8))
					.isEqualTo(message.fairnessKey());
				received.add(message.id());
				this.driver.ack(message);
			}
		}
		assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
	}

}
