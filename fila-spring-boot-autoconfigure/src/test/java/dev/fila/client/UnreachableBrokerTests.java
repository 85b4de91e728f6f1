package dev.fila.client;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.config.SharedRuntimeConfig;
import dev.fila.config.SharedSettings;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaException;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every broker failure reaches callers of FilaTemplate, FilaAdmin and the settings as a
 * FilaException with the cause: a Redis or RabbitMQ that refuses connections (port 1).
 */
class UnreachableBrokerTests {

	private LettuceConnectionFactory redis;

	private CachingConnectionFactory rabbit;

	private FilaDriver driver;

	@AfterEach
	void close() {
		if (this.driver != null) {
			this.driver.close();
		}
		if (this.redis != null) {
			this.redis.destroy();
		}
		if (this.rabbit != null) {
			this.rabbit.destroy();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "redis", "amqp" })
	void templateAndAdminThrowFilaExceptionsWithTheCause(String type) {
		this.driver = driver(type);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("down", this.driver), "down"), Map.of(),
				new DefaultQueuePolicyFactory());
		FilaTemplate template = new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
		FilaAdmin admin = new DefaultFilaAdmin(queues, new InMemoryRuntimeConfig(Map.of()));
		assertFails(() -> template.enqueue("jobs", "x"));
		assertFails(() -> template.receive("jobs", Duration.ofMillis(100)));
		assertFails(admin::listQueues);
		assertFails(() -> admin.stats("jobs"));
		assertFails(() -> admin.purge("jobs"));
		assertFails(() -> {
			admin.createQueue("other");
			return null;
		});
	}

	@Test
	void settingsInAnUnreachableRedisFailAsFilaExceptions() {
		this.driver = driver("redis");
		SharedSettings settings = new SharedSettings(this.driver.settingsStore(), SharedRuntimeConfig.NAMESPACE);
		assertFails(() -> {
			new SharedRuntimeConfig(settings).set("k", "v");
			return null;
		});
		assertFails(() -> this.driver.settingsStore().version());
	}

	private FilaDriver driver(String type) {
		if (type.equals("redis")) {
			this.redis = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 1),
					LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
			this.redis.afterPropertiesSet();
			this.redis.start();
			return new RedisDriver("down", this.redis, "fila-down");
		}
		this.rabbit = new CachingConnectionFactory("127.0.0.1", 1);
		this.rabbit.setConnectionTimeout(1000);
		return new AmqpDriver("down", this.rabbit, AmqpDriverOptions.DEFAULTS);
	}

	private static void assertFails(Supplier<?> call) {
		assertThatExceptionOfType(FilaException.class).isThrownBy(call::get).withCauseInstanceOf(RuntimeException.class);
	}

}
