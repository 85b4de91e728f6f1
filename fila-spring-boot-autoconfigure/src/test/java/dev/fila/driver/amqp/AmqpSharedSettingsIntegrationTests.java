package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.SharedFlowScenarios;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.FilaThrottles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runtime config, throttle settings and queue definitions on RabbitMQ: kept in the driver's
 * settings stream, one value for every instance, kept across restarts.
 */
class AmqpSharedSettingsIntegrationTests {

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final ApplicationContextRunner undeclared = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.rabbitmq.host=127.0.0.1", "fila.drivers.rabbit.type=amqp",
				"fila.default-driver=rabbit", "fila.drivers.rabbit.amqp.prefix=" + this.prefix,
				"fila.config.weight.acme=5", "fila.throttles.stripe.rate=100", "fila.lua.timeout=200ms");

	@AfterEach
	void cleanUp() {
		CachingConnectionFactory factory = AmqpTestSupport.connectionFactory();
		AmqpDriver driver = new AmqpDriver("amqp", factory, AmqpTestSupport.options(this.prefix));
		driver.deleteQueue("orders");
		driver.deleteQueue(QueueSpec.deadLetterQueueOf("orders"));
		driver.close();
		AmqpTestSupport.deleteKeyLog(factory, this.prefix);
		factory.destroy();
	}

	@Test
	void configAndThrottleChangesReachTheOtherInstanceWithinASecondAndSurviveARestart() {
		this.undeclared.run((first) -> this.undeclared.run((second) -> {
			assertThat(second.getBean(FilaAdmin.class).getConfig("weight.acme")).contains("5");
			first.getBean(FilaAdmin.class).setConfig("weight.acme", "9");
			first.getBean(FilaAdmin.class).setThrottle("stripe", 5, 10);
			await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> {
				assertThat(second.getBean(FilaAdmin.class).getConfig("weight.acme")).contains("9");
				assertThat(second.getBean(FilaThrottles.class).all()).containsEntry("stripe",
						new FilaThrottles.Throttle(5, 10));
			});
		}));
		this.undeclared.run((restarted) -> {
			assertThat(restarted.getBean(FilaAdmin.class).getConfig("weight.acme")).contains("9");
			assertThat(restarted.getBean(FilaThrottles.class).all()).containsEntry("stripe",
					new FilaThrottles.Throttle(5, 10));
		});
	}

	@Test
	void aProducerServiceThatDeclaresNothingGetsTheDeclaredSettingsAndHooks() {
		ApplicationContextRunner declaring = this.undeclared.withPropertyValues(
				"fila.queues.orders.visibility-timeout=45s",
				"fila.queues.orders.on-enqueue=classpath:lua/tenant-enqueue.lua");
		declaring.run((consumerService) -> this.undeclared.run((producerService) -> {
			producerService.getBean(FilaTemplate.class).enqueue("orders", Map.of("tenant", "acme"), "o-1");
			assertThat(producerService.getBean(FilaQueues.class).binding("orders").definition().visibilityTimeout())
				.isEqualTo(Duration.ofSeconds(45));
			FilaDelivery delivery = consumerService.getBean(FilaTemplate.class)
				.receive("orders", Duration.ofSeconds(5))
				.orElseThrow();
			delivery.ack();
			assertThat(delivery.fairnessKey()).isEqualTo("acme");
		}));
	}

	@Test
	void aPauseOnOneInstanceHoldsTheKeyOnTheOtherWithinASecondAndSurvivesARestart() {
		SharedFlowScenarios.aPauseOnOneInstanceHoldsTheKeyOnTheOtherAndSurvivesARestart(this.undeclared);
	}

}
