package dev.fila.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.driver.redis.RedisDriverOptions;

/**
 * Creates {@link RedisDriver Redis drivers} from {@code fila.drivers.<name>.redis.*}, on
 * Spring Boot's {@link RedisConnectionFactory} ({@code spring.data.redis.*}).
 */
final class RedisDriverFactory implements FilaDriverFactory {

	/** Most replicas {@code wait-replicas} may ask for. */
	static final int MAX_WAIT_REPLICAS = 16;

	/** The highest {@code max-payload-bytes}: Redis's default {@code proto-max-bulk-len}, 512 MiB. */
	static final int MAX_PAYLOAD_BYTES = 512 << 20;

	/** The highest {@code max-header-bytes}: 1 MiB. */
	static final int MAX_HEADER_BYTES = 1 << 20;

	private final ObjectProvider<RedisConnectionFactory> connectionFactory;

	RedisDriverFactory(ObjectProvider<RedisConnectionFactory> connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public String type() {
		return RedisDriver.TYPE;
	}

	@Override
	public Supplier<FilaDriver> prepare(String name, FilaProperties.Driver properties) {
		FilaProperties.Redis redis = properties.getRedis();
		DriverPropertyChecks checks = new DriverPropertyChecks(name, RedisDriver.TYPE);
		RedisConnectionFactory factory = this.connectionFactory.getIfAvailable();
		if (factory == null) {
			checks.add(new FilaConfigurationException("fila.drivers." + name + ".type", RedisDriver.TYPE,
					"a driver type whose connection exists: the redis driver uses Spring Boot's RedisConnectionFactory; "
							+ "add org.springframework.boot:spring-boot-starter-data-redis and configure spring.data.redis.*"));
		}
		checks.check("key-prefix", redis.getKeyPrefix(),
				(prefix) -> !prefix.isBlank() && !prefix.contains("{") && !prefix.contains("}"),
				"a non-empty key prefix without braces");
		checks.range("wait-replicas", redis.getWaitReplicas(), 0, MAX_WAIT_REPLICAS, " (0: do not wait for replicas)");
		checks.check("wait-timeout", redis.getWaitTimeout(),
				(timeout) -> timeout.toMillis() >= 1 && timeout.compareTo(Duration.ofMinutes(1)) <= 0,
				"a duration from 1ms to 1m such as 100ms");
		checks.limits(redis, MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES);
		checks.throwIfAny();
		RedisDriverOptions options = options(redis);
		MessageLimits limits = checks.toMessageLimits(redis);
		return () -> new RedisDriver(name, factory, options, limits);
	}

	static RedisDriverOptions options(FilaProperties.Redis redis) {
		PropertyMapper map = PropertyMapper.get();
		RedisDriverOptions options = RedisDriverOptions.DEFAULTS;
		options = map.from(redis::getKeyPrefix).to(options, RedisDriverOptions::withKeyPrefix);
		options = map.from(redis::getWaitReplicas).to(options, RedisDriverOptions::withWaitReplicas);
		return map.from(redis::getWaitTimeout).to(options, RedisDriverOptions::withWaitTimeout);
	}

}
