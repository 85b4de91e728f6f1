package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names of the RabbitMQ queues behind Fila queues: readable where they fit, hashed where
 * RabbitMQ's 255-byte limit would be exceeded.
 */
class AmqpNamesTests {

	private final AmqpNames names = new AmqpNames("fila");

	@Test
	void namesThatFitAreReadable() {
		assertThat(this.names.keyQueue("orders", "acme")).isEqualTo("fila.orders.k.acme");
		assertThat(this.names.retryQueue("orders")).isEqualTo("fila.orders.retry");
		assertThat(this.names.delayQueue("orders", 1500)).isEqualTo("fila.orders.delay.1500");
		assertThat(this.names.keyQueue("orders", "a key")).matches("fila\\.orders\\.h\\.[0-9a-f]{32}");
	}

	@Test
	void longestPrefixAndQueueNameStayWithinRabbitMqsLimit() {
		AmqpNames longest = new AmqpNames("p".repeat(40));
		String queue = "q".repeat(200) + ".dlq";
		assertThat(bytes(longest.retryQueue(queue))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.delayQueue(queue, Long.MAX_VALUE))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.keyQueue(queue, "k"))).isLessThanOrEqualTo(255);
		assertThat(bytes(longest.keyQueue(queue, "k".repeat(300)))).isLessThanOrEqualTo(255);
		assertThat(longest.delayQueue(queue, 10)).startsWith(longest.delayQueuePrefix(queue));
	}

	@Test
	void hashedNamesAreTheSameInEveryInstanceAndDifferPerQueue() {
		AmqpNames one = new AmqpNames("p".repeat(40));
		AmqpNames other = new AmqpNames("p".repeat(40));
		String queue = "q".repeat(220);
		assertThat(one.retryQueue(queue)).isEqualTo(other.retryQueue(queue))
			.isNotEqualTo(one.retryQueue("r".repeat(220)));
		assertThat(one.keyQueue(queue, "k")).isEqualTo(other.keyQueue(queue, "k"))
			.isNotEqualTo(one.keyQueue(queue, "j"));
	}

	private static int bytes(String name) {
		return name.getBytes(StandardCharsets.UTF_8).length;
	}

}
