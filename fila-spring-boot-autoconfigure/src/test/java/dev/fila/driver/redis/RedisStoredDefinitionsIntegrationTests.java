package dev.fila.driver.redis;

import java.time.Duration;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.queue.StoredQueueDefinitions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A queue's definition lives with the queue in Redis: a service that uses it without declaring
 * it (a producer) gets the declared settings and hooks, never overwrites them, and a
 * differing declaration wins with a warning.
 */
class RedisStoredDefinitionsIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final ApplicationContextRunner undeclared = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "fila.drivers.shared.type=redis",
				"fila.drivers.shared.redis.key-prefix=" + this.prefix, "fila.lua.timeout=200ms");

	private final ApplicationContextRunner declaring = this.undeclared.withPropertyValues(
			"fila.queues.orders.visibility-timeout=45s", "fila.queues.orders.quantum=3",
			"fila.queues.orders.retry.max-attempts=7",
			"fila.queues.orders.on-enqueue=classpath:lua/tenant-enqueue.lua");

	@AfterEach
	void cleanUp() {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();
		RedisTestSupport.deleteKeys(factory, this.prefix);
		factory.destroy();
	}

	@Test
	void aProducerServiceThatDeclaresNothingGetsTheDeclaredSettingsAndHooks() {
		this.declaring.run((consumerService) -> this.undeclared.run((producerService) -> {
			producerService.getBean(FilaTemplate.class).enqueue("orders", Map.of("tenant", "acme"), "o-1");
			QueueDefinition seen = producerService.getBean(FilaQueues.class).binding("orders").definition();
			assertThat(seen.visibilityTimeout()).isEqualTo(Duration.ofSeconds(45));
			assertThat(seen.quantum()).isEqualTo(3);
			assertThat(seen.retry().maxAttempts()).isEqualTo(7);
			// The hook's text travels with the definition, not its location in the declaring service.
			assertThat(seen.onEnqueue()).contains("fairness_key").doesNotContain("classpath:");
			FilaDelivery delivery = consumerService.getBean(FilaTemplate.class)
				.receive("orders", Duration.ofSeconds(5))
				.orElseThrow();
			delivery.ack();
			// The hook ran in the producer service.
			assertThat(delivery.fairnessKey()).isEqualTo("acme");
		}));
		// Another undeclared use later still finds the declaration, not defaults it wrote.
		this.undeclared.run((later) -> assertThat(
				later.getBean(FilaQueues.class).binding("orders").definition().visibilityTimeout())
			.isEqualTo(Duration.ofSeconds(45)));
	}

	@Test
	void aDifferingDeclarationWinsAndTheWarningNamesBothValues() {
		this.declaring.run((first) -> {
		});
		Logger logger = (Logger) LoggerFactory.getLogger(StoredQueueDefinitions.class);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		try {
			this.declaring.withPropertyValues("fila.queues.orders.visibility-timeout=60s").run((changed) -> {
			});
		}
		finally {
			logger.detachAppender(appender);
		}
		assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
			.singleElement()
			.asString()
			.startsWith("Queue 'orders': its declaration differs from the definition stored in Redis")
			.endsWith(": visibility-timeout-ms 60000 (stored 45000); the declaration wins");
		this.undeclared.run((later) -> assertThat(
				later.getBean(FilaQueues.class).binding("orders").definition().visibilityTimeout())
			.isEqualTo(Duration.ofSeconds(60)));
	}

}
