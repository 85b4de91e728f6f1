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
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
	}

	@Override
	protected void afterDriverClosed() {
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
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
			channel.queueDelete(this.prefix + "." + queue + ".k.k");
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

}
