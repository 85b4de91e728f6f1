package dev.fila.driver.amqp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.driver.FilaDrivers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An AMQP driver configured through its typed {@code fila.drivers.<name>.amqp.*} properties,
 * on Spring Boot's own RabbitMQ connection.
 */
class AmqpAutoConfigurationIntegrationTests {

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.rabbitmq.host=127.0.0.1", "fila.drivers.rabbit.type=amqp",
				"fila.drivers.rabbit.amqp.prefix=" + this.prefix);

	@AfterEach
	void cleanUp() {
		CachingConnectionFactory factory = AmqpTestSupport.connectionFactory();
		AmqpTestSupport.deleteKeyLog(factory, this.prefix);
		factory.destroy();
	}

	@Test
	void keyShardsAndPrefixReachTheDriver() {
		this.contextRunner.withPropertyValues("fila.drivers.rabbit.amqp.key-shards=4").run((context) -> {
			assertThat(context).hasNotFailed();
			AmqpDriver driver = (AmqpDriver) context.getBean(FilaDrivers.class).get("rabbit");
			assertThat(driver.shardQueues("orders")).hasSize(4)
				.allSatisfy((queue) -> assertThat(queue).startsWith(this.prefix + ":"));
		});
	}

	@Test
	void withoutKeyShardsClassicQueuesGetAQueuePerKey() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			AmqpDriver driver = (AmqpDriver) context.getBean(FilaDrivers.class).get("rabbit");
			assertThat(driver.shardQueues("orders")).isEmpty();
		});
	}

}
