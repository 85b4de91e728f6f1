package dev.fila.benchmarks.fairness;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.driver.redis.RedisDriverOptions;

/**
 * A driver of the fairness benchmarks and what it needs closed. Two backends opened with the
 * same prefix on Redis or RabbitMQ are two application instances sharing the queues.
 */
record Backend(FilaDriver driver, AutoCloseable resources) implements AutoCloseable {

	/**
	 * @param name {@code memory}, {@code redis} or {@code amqp}
	 * @param prefix the key prefix (redis) or queue name prefix (amqp)
	 */
	static Backend open(String name, String prefix) {
		return switch (name) {
			case "memory" -> new Backend(new MemoryDriver("memory"), () -> {
			});
			case "redis" -> {
				LettuceConnectionFactory factory = new LettuceConnectionFactory(
						new RedisStandaloneConfiguration("127.0.0.1", 6379));
				factory.afterPropertiesSet();
				factory.start();
				yield new Backend(new RedisDriver("redis", factory, RedisDriverOptions.DEFAULTS.withKeyPrefix(prefix),
						MessageLimits.DEFAULTS), factory::destroy);
			}
			case "amqp" -> {
				CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", 5672);
				factory.setUsername("guest");
				factory.setPassword("guest");
				yield new Backend(new AmqpDriver("amqp", factory, AmqpDriverOptions.DEFAULTS.withPrefix(prefix)
					.withPriorityQueues(Boolean.getBoolean("fila.bench.priority-queues"))), factory::destroy);
			}
			default -> throw new IllegalArgumentException("memory, redis or amqp, not " + name);
		};
	}

	@Override
	public void close() throws Exception {
		this.driver.close();
		this.resources.close();
	}

}
