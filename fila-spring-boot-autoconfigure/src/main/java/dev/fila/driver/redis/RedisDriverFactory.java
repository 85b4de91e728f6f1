package dev.fila.driver.redis;

import java.util.Map;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDriverFactory;

/**
 * Creates {@link RedisDriver Redis drivers} on Spring Boot's {@link RedisConnectionFactory}
 * ({@code spring.data.redis.*}). Options: {@code key-prefix} (default {@code fila}).
 */
public class RedisDriverFactory implements FilaDriverFactory {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "fila";

	private static final Set<String> OPTIONS = Set.of("key-prefix");

	private final ObjectProvider<RedisConnectionFactory> connectionFactory;

	public RedisDriverFactory(ObjectProvider<RedisConnectionFactory> connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public String type() {
		return RedisDriver.TYPE;
	}

	@Override
	public FilaDriver create(String name, Map<String, String> options) {
		for (String option : options.keySet()) {
			if (!OPTIONS.contains(option)) {
				throw new FilaConfigurationException("fila.drivers." + name + ".options." + option, options.get(option),
						"one of the redis driver options " + OPTIONS);
			}
		}
		RedisConnectionFactory factory = this.connectionFactory.getIfAvailable();
		if (factory == null) {
			throw new FilaConfigurationException("fila.drivers." + name + ".type", RedisDriver.TYPE,
					"a driver type whose connection exists: the redis driver uses Spring Boot's RedisConnectionFactory; "
							+ "add org.springframework.boot:spring-boot-starter-data-redis and configure spring.data.redis.*");
		}
		String prefix = options.getOrDefault("key-prefix", DEFAULT_KEY_PREFIX);
		if (prefix.isBlank() || prefix.contains("{") || prefix.contains("}")) {
			throw new FilaConfigurationException("fila.drivers." + name + ".options.key-prefix", prefix,
					"a non-empty key prefix without braces");
		}
		return new RedisDriver(name, factory, prefix);
	}

}
