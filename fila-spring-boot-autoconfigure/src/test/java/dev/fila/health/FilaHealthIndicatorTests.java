package dev.fila.health;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;

import static org.assertj.core.api.Assertions.assertThat;

class FilaHealthIndicatorTests {

	private final MemoryDriver memory = new MemoryDriver("memory");

	private final UnreachableDriver broken = new UnreachableDriver("shared");

	private FilaListenerContainerFactory factory;

	@AfterEach
	void close() {
		if (this.factory != null) {
			this.factory.close();
		}
		this.memory.close();
		this.broken.close();
	}

	@Test
	void upWhenEveryDriverAnswers() {
		Health health = new FilaHealthIndicator(drivers(this.memory), null).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("drivers",
				Map.of("memory", Map.of("type", "memory", "status", "UP")));
		assertThat(health.getDetails()).containsEntry("consumers", Map.of());
	}

	@Test
	void downWithTheReasonWhenADriverDoesNotAnswer() {
		Health health = new FilaHealthIndicator(drivers(this.memory, this.broken), null).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat((String) health.getDetails().get("error"))
			.isEqualTo("driver 'shared' (memory) is unreachable: Unable to connect; Connection refused");
		@SuppressWarnings("unchecked")
		Map<String, Object> drivers = (Map<String, Object>) health.getDetails().get("drivers");
		assertThat(drivers).containsEntry("memory", Map.of("type", "memory", "status", "UP"))
			.containsEntry("shared", Map.of("type", "memory", "status", "DOWN", "error",
					"Unable to connect; Connection refused"));
	}

	@Test
	void downWhenADriverDoesNotAnswerInTime() {
		MemoryDriver hanging = new MemoryDriver("hanging") {
			@Override
			public void ping() {
				try {
					Thread.sleep(10_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
		long start = System.nanoTime();
		Health health = new FilaHealthIndicator(drivers(this.memory, hanging), null, Duration.ofMillis(200)).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat((String) health.getDetails().get("error")).contains("no answer to a ping within 200 ms");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void downWhenRedisIsUnreachable() throws Exception {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", closedPort));
		factory.afterPropertiesSet();
		factory.start();
		RedisDriver redis = new RedisDriver("shared", factory, "fila-health-test");
		try {
			Health health = new FilaHealthIndicator(drivers(this.memory, redis), null).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) health.getDetails().get("error")).startsWith("driver 'shared' (redis) is unreachable: ")
				.contains("Unable to connect", ":" + closedPort);
		}
		finally {
			redis.close();
			factory.destroy();
		}
	}

	@Test
	void describesTheCauseChainWithoutRepeatingItself() {
		RuntimeException ex = new IllegalStateException("Unable to connect to Redis",
				new RuntimeException("Connection refused: /127.0.0.1:1", new RuntimeException("Connection refused")));
		assertThat(FilaHealthIndicator.describe(ex))
			.isEqualTo("Unable to connect to Redis; Connection refused: /127.0.0.1:1");
		assertThat(FilaHealthIndicator.describe(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
	}

	@Test
	void detailsDescribeEveryConsumer() {
		FilaDrivers drivers = drivers(this.memory);
		FilaQueues queues = new FilaQueues(drivers, Map.of(), new DefaultQueuePolicyFactory());
		this.factory = new FilaListenerContainerFactory(queues, Map.of());
		FilaListenerRegistry registry = new FilaListenerRegistry();
		registry.register(this.factory.create(new FilaListenerEndpoint("worker",
				new ConsumerConfig("orders", 3, 7, false, Duration.ofSeconds(1)), "test", (message, ack) -> {
				})));
		Health health = new FilaHealthIndicator(drivers, registry).health();
		assertThat(health.getStatus()).as("a stopped consumer is not unhealthy").isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("consumers", Map.of("worker", Map.of("queue", "orders", "driver",
				"memory", "running", false, "busyWorkers", 0, "concurrency", 3, "buffered", 0, "prefetch", 7)));
		registry.start("worker");
		@SuppressWarnings("unchecked")
		Map<String, Map<String, Object>> consumers = (Map<String, Map<String, Object>>) new FilaHealthIndicator(drivers,
				registry).health().getDetails().get("consumers");
		assertThat(consumers.get("worker")).containsEntry("running", true);
		registry.stop("worker");
	}

	private static FilaDrivers drivers(FilaDriver... drivers) {
		Map<String, FilaDriver> byName = new LinkedHashMap<>();
		for (FilaDriver driver : drivers) {
			byName.put(driver.name(), driver);
		}
		return new FilaDrivers(byName, drivers[0].name());
	}

	static final class UnreachableDriver extends MemoryDriver {

		UnreachableDriver(String name) {
			super(name);
		}

		@Override
		public void ping() {
			throw new IllegalStateException("Unable to connect",
					new java.net.ConnectException("Connection refused"));
		}

	}

}
