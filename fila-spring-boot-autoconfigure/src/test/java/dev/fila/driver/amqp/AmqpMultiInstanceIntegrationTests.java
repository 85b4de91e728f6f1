package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.listener.FilaListenerRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Two application contexts share one AMQP queue through Spring Boot's RabbitMQ auto-configuration:
 * keys one instance creates are consumed by the other (the key log), and fairness holds over
 * what both deliver together (each instance is exact over what RabbitMQ pushed to it).
 */
class AmqpMultiInstanceIntegrationTests {

	static final ConcurrentLinkedQueue<String> deliveredKeys = new ConcurrentLinkedQueue<>();

	static final AtomicInteger delivered = new AtomicInteger();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final ApplicationContextRunner instance = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, FilaAutoConfiguration.class))
		.withUserConfiguration(Worker.class)
		.withPropertyValues("spring.rabbitmq.host=127.0.0.1", "fila.drivers.rabbit.type=amqp",
				"fila.default-driver=rabbit", "fila.drivers.rabbit.amqp.prefix=" + this.prefix,
				"fila.lua.timeout=200ms",
				"fila.queues.jobs.on-enqueue=function on_enqueue(msg) return { fairness_key = msg.headers.type, "
						+ "weight = tonumber(msg.headers.w or '1') } end");

	static class Worker {

		@FilaListener(queue = "jobs", id = "worker", concurrency = "1", prefetch = "1", autoStartup = "false")
		void handle(FilaMessage message) {
			deliveredKeys.add(message.fairnessKey());
			delivered.incrementAndGet();
		}

	}

	@BeforeEach
	void reset() {
		deliveredKeys.clear();
		delivered.set(0);
	}

	@AfterEach
	void cleanUp() {
		CachingConnectionFactory factory = AmqpTestSupport.connectionFactory();
		AmqpDriver driver = new AmqpDriver("amqp", factory, AmqpTestSupport.options(this.prefix));
		driver.deleteQueue("jobs");
		driver.deleteQueue(QueueSpec.deadLetterQueueOf("jobs"));
		driver.close();
		AmqpTestSupport.deleteKeyLog(factory, this.prefix);
		factory.destroy();
	}

	private void withTwoInstances(TwoInstances body) {
		this.instance.run((first) -> this.instance.run((second) -> body.run(first, second)));
	}

	private static void startBoth(ApplicationContext first, ApplicationContext second) {
		first.getBean(FilaListenerRegistry.class).start("worker");
		second.getBean(FilaListenerRegistry.class).start("worker");
	}

	private static void enqueue(FilaTemplate template, String type, String weight, int count) {
		List<OutboundMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(OutboundMessage.of(Map.of("type", type, "w", weight), type + "-" + i));
			if (batch.size() == 500) {
				template.enqueueAll("jobs", batch);
				batch.clear();
			}
		}
		if (!batch.isEmpty()) {
			template.enqueueAll("jobs", batch);
		}
	}

	@Test
	void keysOneInstanceCreatesAreConsumedByTheOther() {
		withTwoInstances((first, second) -> {
			// Only the first instance consumes; the second creates the keys while it runs.
			first.getBean(FilaListenerRegistry.class).start("worker");
			FilaTemplate producer = second.getBean(FilaTemplate.class);
			enqueue(producer, "email", "1", 100);
			enqueue(producer, "sms", "1", 10);
			await().atMost(Duration.ofSeconds(20)).until(() -> delivered.get() >= 110);
			assertThat(deliveredKeys).filteredOn("sms"::equals).hasSize(10);
			assertThat(deliveredKeys).filteredOn("email"::equals).hasSize(100);
		});
	}

	@Test
	void weightedSharesHoldOverBothInstances() {
		withTwoInstances((first, second) -> {
			FilaTemplate template = first.getBean(FilaTemplate.class);
			for (int weight = 1; weight <= 5; weight++) {
				enqueue(template, "key-" + weight, Integer.toString(weight), 2000);
			}
			startBoth(first, second);
			await().atMost(Duration.ofSeconds(60)).until(() -> delivered.get() >= 5000);
			List<String> window = new ArrayList<>(deliveredKeys).subList(0, 5000);
			Map<String, Integer> counts = new HashMap<>();
			window.forEach((key) -> counts.merge(key, 1, Integer::sum));
			for (int weight = 1; weight <= 5; weight++) {
				double share = counts.getOrDefault("key-" + weight, 0) * 100.0 / 5000;
				assertThat(share).as("share of key-%d", weight).isCloseTo(weight * 100.0 / 15, within(2.0));
			}
		});
	}

	@FunctionalInterface
	interface TwoInstances {

		void run(ApplicationContext first, ApplicationContext second);

	}

}
