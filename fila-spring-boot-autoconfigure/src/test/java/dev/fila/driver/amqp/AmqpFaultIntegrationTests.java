package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The AMQP driver survives RabbitMQ dropping every connection and RabbitMQ restarting: it
 * reconnects by itself, consuming resumes, and no message is lost. Uses {@code rabbitmqctl}
 * against the machine's RabbitMQ node.
 */
class AmqpFaultIntegrationTests {

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final String queue = "fault-test";

	private final AmqpDriver driver = new AmqpDriver("amqp", this.connectionFactory,
			AmqpTestSupport.options(this.prefix));

	private final Set<String> handled = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean consuming = new AtomicBoolean(true);

	@AfterEach
	void cleanUp() throws Exception {
		this.consuming.set(false);
		rabbitmqctl("start_app");
		await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(this.driver::ping);
		this.driver.deleteQueue(this.queue);
		this.driver.deleteQueue(QueueSpec.deadLetterQueueOf(this.queue));
		this.driver.close();
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	private List<String> enqueue(int count, String tag) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(new OutgoingMessage(Map.of(), (tag + i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("k" + (i % 5), 1, List.of())));
		}
		return this.driver.enqueue(this.queue, batch);
	}

	/** A consumer thread that keeps fetching and acking, whatever the broker does. */
	private Thread consumer() {
		Thread thread = new Thread(() -> {
			while (this.consuming.get()) {
				try {
					for (LeasedMessage message : this.driver.fetch(this.queue, 10, Duration.ofMillis(200))) {
						Thread.sleep(1);
						if (this.driver.ack(message)) {
							this.handled.add(message.id());
						}
					}
				}
				catch (InterruptedException ex) {
					return;
				}
				catch (RuntimeException ex) {
					// the broker is away: keep trying, as a listener container does
				}
			}
		}, "fault-test-consumer");
		thread.start();
		return thread;
	}

	@Test
	void closingEveryConnectionLosesNothing() throws Exception {
		this.driver.createQueue(new QueueSpec(this.queue, Duration.ofSeconds(30), 1, true));
		List<String> ids = new ArrayList<>(enqueue(1000, "a"));
		Thread consumer = consumer();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.handled.size() >= 200);
		rabbitmqctl("close_all_connections", "fila fault test");
		ids.addAll(enqueue(200, "b"));
		await().atMost(Duration.ofSeconds(60)).until(() -> this.handled.containsAll(ids));
		this.consuming.set(false);
		consumer.join(5000);
		assertThat(this.driver.stats(this.queue).total()).isZero();
	}

	@Test
	void brokerRestartIsSurvivedAndPingReportsTheOutage() throws Exception {
		this.driver.createQueue(new QueueSpec(this.queue, Duration.ofSeconds(30), 1, true));
		List<String> ids = new ArrayList<>(enqueue(500, "a"));
		Thread consumer = consumer();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.handled.size() >= 100);
		rabbitmqctl("stop_app");
		assertThatException().isThrownBy(this.driver::ping);
		rabbitmqctl("start_app");
		await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(this.driver::ping);
		ids.addAll(enqueue(200, "b"));
		await().atMost(Duration.ofSeconds(90)).until(() -> this.handled.containsAll(ids));
		this.consuming.set(false);
		consumer.join(5000);
		assertThat(this.driver.stats(this.queue).total()).isZero();
	}

	private static void rabbitmqctl(String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-n", "rabbit@localhost"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as("rabbitmqctl %s: %s", arguments[0], output).isZero();
	}

}
