package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AMQP driver with {@code priority-queues} (key queues declared with
 * {@code x-max-priority}) against the shared driver contract, on the real RabbitMQ; and a key's
 * urgent message overtaking that key's backlog still in RabbitMQ, which plain key queues
 * cannot do.
 */
class AmqpPriorityQueuesIntegrationTests extends AmqpContractTests {

	@Override
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, options(AmqpDriverOptions.DEFAULTS.keyPrefetch()));
	}

	private AmqpDriverOptions options(int keyPrefetch) {
		return AmqpTestSupport.options(this.prefix).withPriorityQueues(true).withKeyPrefetch(keyPrefetch);
	}

	@Test
	void aKeysUrgentMessageOvertakesTheBacklogStillInRabbitMq() throws Exception {
		// A prefetch of 5: the instance holds 5 of the key's messages, RabbitMQ the other 45.
		try (AmqpDriver consumer = new AmqpDriver("amqp", this.connectionFactory, options(5))) {
			String queue = createQueue();
			consumer.createQueue(new QueueSpec(queue, Duration.ofSeconds(30), 1, true));
			assertThat(consumer.fetch(queue, 1, Duration.ofMillis(1))).isEmpty();
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				batch.add(message("b" + i, "tenant", 0));
			}
			this.driver.enqueue(queue, batch);
			this.driver.enqueue(queue, List.of(message("urgent", "tenant", 9)));
			Thread.sleep(300);
			List<String> delivered = new ArrayList<>();
			LeasedMessage urgent = null;
			while (urgent == null && delivered.size() < 51) {
				List<LeasedMessage> fetched = consumer.fetch(queue, 1, Duration.ofSeconds(2));
				assertThat(fetched).as("delivered so far: %s", delivered).isNotEmpty();
				LeasedMessage message = fetched.get(0);
				String text = new String(message.payload(), StandardCharsets.UTF_8);
				delivered.add(text);
				if (text.equals("urgent")) {
					urgent = message;
				}
				else {
					assertThat(consumer.ack(message)).isTrue();
					Thread.sleep(200); // RabbitMQ pushes into the freed slot
				}
			}
			// The first message was buffered before the urgent one came; the urgent one is pushed
			// as soon as a slot frees, ahead of the 45 behind it in RabbitMQ.
			assertThat(delivered.size()).as("delivered before it: %s", delivered).isLessThanOrEqualTo(2);
			assertThat(urgent.priority()).isEqualTo(9);
			// A retry keeps its level, and the retry queue is a priority queue too.
			assertThat(consumer.nack(urgent, FailureDecision.retry(Duration.ZERO), "again")).isTrue();
			Thread.sleep(300);
			LeasedMessage again = consumer.fetch(queue, 1, Duration.ofSeconds(2)).get(0);
			assertThat(new String(again.payload(), StandardCharsets.UTF_8)).isEqualTo("urgent");
			consumer.ack(again);
		}
	}

}
