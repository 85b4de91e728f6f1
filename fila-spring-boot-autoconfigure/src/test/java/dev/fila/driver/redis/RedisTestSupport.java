package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/**
 * Connections to the real Redis on 127.0.0.1:6379 for integration tests, with a unique key
 * prefix per test so tests never see each other's keys, and a clean-up of that prefix.
 */
final class RedisTestSupport {

	private RedisTestSupport() {
	}

	static LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	static String uniquePrefix() {
		return "fila-test-" + UUID.randomUUID();
	}

	/** Deletes every key under the prefix. */
	static void deleteKeys(LettuceConnectionFactory factory, String prefix) {
		try (RedisConnection connection = factory.getConnection()) {
			List<byte[]> keys = new ArrayList<>();
			try (Cursor<byte[]> cursor = connection.keyCommands()
				.scan(ScanOptions.scanOptions().match(prefix + ":*").count(1000).build())) {
				cursor.forEachRemaining(keys::add);
			}
			if (!keys.isEmpty()) {
				connection.keyCommands().del(keys.toArray(new byte[0][]));
			}
		}
	}

	static long countKeys(LettuceConnectionFactory factory, String prefix) {
		try (RedisConnection connection = factory.getConnection();
				Cursor<byte[]> cursor = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(prefix + ":*").count(1000).build())) {
			long count = 0;
			while (cursor.hasNext()) {
				cursor.next();
				count++;
			}
			return count;
		}
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
