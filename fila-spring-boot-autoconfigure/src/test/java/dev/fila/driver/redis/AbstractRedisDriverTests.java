package dev.fila.driver.redis;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.QueueSpec;

/**
 * One Redis driver on the machine's Redis under a key prefix of its own, for tests of what its
 * scripts leave in Redis; every key under the prefix is deleted after each test.
 */
abstract class AbstractRedisDriverTests {

	protected final LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory();

	protected final String prefix = RedisTestSupport.uniquePrefix();

	protected final RedisDriver driver = new RedisDriver("redis", this.connectionFactory, this.prefix);

	@AfterEach
	void closeDriverAndDeleteKeys() {
		this.driver.close();
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	/** A new queue with a dead-letter queue, named uniquely. */
	protected String createQueue(Duration visibilityTimeout) {
		String queue = "q-" + UUID.randomUUID();
		this.driver.createQueue(new QueueSpec(queue, visibilityTimeout, 1, true));
		return queue;
	}

}
