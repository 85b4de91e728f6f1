package dev.fila.driver.redis;

import java.time.Duration;
import java.util.Map;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.FilaDrivers;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;

/**
 * A consumer in a JVM of its own, for the kill tests: consumes a Redis queue and records each
 * handled message id in a Redis list before the ack, so the test can count what was handled,
 * lost and duplicated after it kills this process with SIGKILL.
 * <p>
 * Arguments: key prefix, queue, concurrency, prefetch, handler millis.
 */
public final class RedisConsumerProcess {

	private RedisConsumerProcess() {
	}

	public static void main(String[] args) throws Exception {
		String prefix = args[0];
		String queue = args[1];
		LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory();
		FilaListenerContainer container = consumer(connectionFactory, prefix, queue, Integer.parseInt(args[2]),
				Integer.parseInt(args[3]), Long.parseLong(args[4]));
		container.start();
		System.out.println("READY");
		Thread.sleep(Long.MAX_VALUE);
	}

	/** Visibility timeout of the kill-test queue: how long a dead consumer's messages stay invisible. */
	static final Duration VISIBILITY = Duration.ofSeconds(2);

	static FilaListenerContainer consumer(LettuceConnectionFactory connectionFactory, String prefix, String queue,
			int concurrency, int prefetch, long handlerMillis) {
		RedisDriver driver = new RedisDriver("redis", connectionFactory, prefix);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("redis", driver), "redis"),
				Map.of(queue, new QueueDefinition(queue, null, VISIBILITY, 1, true, RetryPolicy.DEFAULT, null, null)),
				new DefaultQueuePolicyFactory());
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		byte[] processed = RedisTestSupport.bytes(prefix + ":processed");
		return factory.create(new FilaListenerEndpoint("kill-test-" + ProcessHandle.current().pid(),
				new ConsumerConfig(queue, concurrency, prefetch, true, Duration.ofSeconds(10)), "kill test",
				(message, ack) -> {
					Thread.sleep(handlerMillis);
					try (RedisConnection connection = connectionFactory.getConnection()) {
						connection.listCommands().rPush(processed, RedisTestSupport.bytes(message.id()));
					}
				}));
	}

}
