package dev.fila.driver.redis;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.DriverOptions;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDriverFactory;
import dev.fila.driver.MessageLimits;

/**
 * Creates {@link RedisDriver Redis drivers} on Spring Boot's {@link RedisConnectionFactory}
 * ({@code spring.data.redis.*}). Options: {@code key-prefix} (default {@code fila}),
 * {@code wait-replicas} (default 0: enqueues and acks return once the master has them),
 * {@code wait-timeout} (default 100ms: the longest an enqueue or ack waits for those replicas),
 * {@code max-payload-bytes} (default 16 MiB, at most 512 MiB) and {@code max-header-bytes}
 * (default 64 KiB, at most 1 MiB).
 */
public class RedisDriverFactory implements FilaDriverFactory {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "fila";

	/** The default longest wait for replicas when {@code wait-replicas} is set. */
	public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMillis(100);

	/** Most replicas {@code wait-replicas} may ask for. */
	static final int MAX_WAIT_REPLICAS = 16;

	/** The highest {@code max-payload-bytes}: Redis's default {@code proto-max-bulk-len}, 512 MiB. */
	static final int MAX_PAYLOAD_BYTES = 512 << 20;

	/** The highest {@code max-header-bytes}: 1 MiB. */
	static final int MAX_HEADER_BYTES = 1 << 20;

	private static final Set<String> OPTIONS = Set.of("key-prefix", "wait-replicas", "wait-timeout",
			MessageLimits.PAYLOAD_OPTION, MessageLimits.HEADER_OPTION);

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
				throw new FilaConfigurationException(DriverOptions.property(name, option), options.get(option),
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
			throw new FilaConfigurationException(DriverOptions.property(name, "key-prefix"), prefix,
					"a non-empty key prefix without braces");
		}
		int waitReplicas = DriverOptions.parse(name, "wait-replicas", options, 0, (value) -> {
			int count = Integer.parseInt(value);
			if (count < 0 || count > MAX_WAIT_REPLICAS) {
				throw new IllegalArgumentException();
			}
			return count;
		}, "an integer in 0.." + MAX_WAIT_REPLICAS + " (0: do not wait for replicas)");
		Duration waitTimeout = DriverOptions.parse(name, "wait-timeout", options, DEFAULT_WAIT_TIMEOUT, (value) -> {
			Duration duration = DurationStyle.detectAndParse(value);
			if (duration.toMillis() < 1 || duration.compareTo(Duration.ofMinutes(1)) > 0) {
				throw new IllegalArgumentException();
			}
			return duration;
		}, "a duration from 1ms to 1m such as 100ms");
		MessageLimits limits = MessageLimits.fromOptions(name, options, MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES);
		return new RedisDriver(name, factory, prefix, waitReplicas, waitTimeout, limits);
	}

}
