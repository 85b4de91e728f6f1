package dev.fila.driver.redis;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis driver configured through properties, on Spring Boot's own Redis connection.
 */
class RedisAutoConfigurationIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
				"fila.drivers.shared.type=redis", "fila.drivers.shared.redis.key-prefix=" + this.prefix,
				"fila.queues.orders.visibility-timeout=5s");

	@AfterEach
	void cleanUp() {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();
		RedisTestSupport.deleteKeys(factory, this.prefix);
		factory.destroy();
	}

	@Test
	void redisDriverUsesBootsConnectionFactory() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			FilaDrivers drivers = context.getBean(FilaDrivers.class);
			assertThat(drivers.defaultDriverName()).isEqualTo("shared");
			assertThat(drivers.get(null)).isInstanceOf(RedisDriver.class);
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("orders", Map.of("tenant", "acme"), "hello redis");
			FilaDelivery delivery = template.receive("orders", Duration.ofSeconds(5)).orElseThrow();
			assertThat(new String(delivery.payload())).isEqualTo("hello redis");
			delivery.ack();
		});
	}

	@Test
	void replicaWaitOptionsReachTheDriver() {
		this.contextRunner
			.withPropertyValues("fila.drivers.shared.redis.wait-replicas=1",
					"fila.drivers.shared.redis.wait-timeout=250ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(FilaDrivers.class).get(null))
					.hasToString("RedisDriver[shared, prefix " + this.prefix + ", wait for 1 replica(s), at most 250 ms]");
			});
	}

	@Test
	void invalidReplicaWaitOptionsNameTheProperty() {
		this.contextRunner.withPropertyValues("fila.drivers.shared.redis.wait-replicas=-1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(FilaConfigurationException.class)
				.hasMessageContaining("fila.drivers.shared.redis.wait-replicas")
				.hasMessageContaining("0..16");
		});
		this.contextRunner.withPropertyValues("fila.drivers.shared.redis.wait-timeout=2m").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(FilaConfigurationException.class)
				.hasMessageContaining("Invalid value '2m' for fila.drivers.shared.redis.wait-timeout")
				.hasMessageContaining("100ms");
		});
	}

}
