package dev.fila.health;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
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
import static org.awaitility.Awaitility.await;

class FilaDriverHealthIndicatorTests {

	private static final Duration TIMEOUT = FilaDriverHealthIndicator.DEFAULT_PING_TIMEOUT;

	private final SimpleAsyncTaskExecutor pings = new SimpleAsyncTaskExecutor("fila-health-test-");

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
		this.pings.close();
	}

	private FilaDriverHealthIndicator indicator(FilaDriver driver) {
		return new FilaDriverHealthIndicator(driver, null, this.pings, TIMEOUT);
	}

	@Test
	void upWhenTheDriverAnswers() {
		Health health = indicator(this.memory).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).isEqualTo(Map.of("type", "memory", "consumers", Map.of()));
	}

	@Test
	void downWithTheReasonWhenTheDriverDoesNotAnswer() {
		Health health = indicator(this.broken).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("type", "memory")
			.containsEntry("error", "Unable to connect; Connection refused");
	}

	@Test
	void oneComponentPerDriverAndADownDriverDownsOnlyItsOwn() {
		CompositeHealthContributor fila = FilaDriverHealthIndicator.composite(drivers(this.memory, this.broken), null,
				this.pings, TIMEOUT);
		Map<String, Status> statuses = new LinkedHashMap<>();
		for (HealthContributors.Entry entry : fila) {
			statuses.put(entry.name(), ((FilaDriverHealthIndicator) entry.contributor()).health().getStatus());
		}
		assertThat(statuses).containsExactly(Map.entry("memory", Status.UP), Map.entry("shared", Status.DOWN));
	}

	@Test
	void aSingleDriverIsStillAComponentOfItsOwn() {
		CompositeHealthContributor fila = FilaDriverHealthIndicator.composite(drivers(this.memory), null, this.pings,
				TIMEOUT);
		assertThat(fila.getContributor("memory")).isInstanceOf(FilaDriverHealthIndicator.class);
	}

	@Test
	void downWhenTheDriverDoesNotAnswerInTimeAndNeverPingsTwiceAtOnce() {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger pinged = new AtomicInteger();
		MemoryDriver hanging = new MemoryDriver("hanging") {
			@Override
			public void ping() {
				pinged.incrementAndGet();
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
		try {
			FilaDriverHealthIndicator indicator = new FilaDriverHealthIndicator(hanging, null, this.pings,
					Duration.ofMillis(200));
			long start = System.nanoTime();
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) health.getDetails().get("error")).isEqualTo("no answer to a ping within 200 ms");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			assertThat(pinged).as("the second check waits for the first ping").hasValue(1);
			release.countDown();
			await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.UP));
			assertThat(pinged).hasValue(2);
		}
		finally {
			release.countDown();
			hanging.close();
		}
	}

	@Test
	void aRejectedPingIsDownAndTriedAgainNextTime() {
		AtomicInteger calls = new AtomicInteger();
		Executor rejectsOnce = (task) -> {
			if (calls.incrementAndGet() == 1) {
				throw new RejectedExecutionException("busy");
			}
			task.run();
		};
		FilaDriverHealthIndicator indicator = new FilaDriverHealthIndicator(this.memory, null, rejectsOnce, TIMEOUT);
		Health rejected = indicator.health();
		assertThat(rejected.getStatus()).isEqualTo(Status.DOWN);
		assertThat(rejected.getDetails()).containsEntry("error", "busy");
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
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
			Health health = indicator(redis).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("type", "redis");
			assertThat((String) health.getDetails().get("error")).contains("Unable to connect", ":" + closedPort);
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
		assertThat(FilaDriverHealthIndicator.describe(ex))
			.isEqualTo("Unable to connect to Redis; Connection refused: /127.0.0.1:1");
		assertThat(FilaDriverHealthIndicator.describe(new IllegalStateException()))
			.isEqualTo("java.lang.IllegalStateException");
	}

	@Test
	void detailsDescribeTheDriversOwnConsumers() {
		FilaDrivers drivers = drivers(this.memory, this.broken);
		FilaQueues queues = new FilaQueues(drivers, Map.of(), new DefaultQueuePolicyFactory());
		this.factory = new FilaListenerContainerFactory(queues, Map.of());
		FilaListenerRegistry registry = new FilaListenerRegistry();
		registry.register(this.factory.create(new FilaListenerEndpoint("worker",
				new ConsumerConfig("orders", 3, 7, false, Duration.ofSeconds(1)), "test", (message, ack) -> {
				})));
		FilaDriverHealthIndicator memoryHealth = new FilaDriverHealthIndicator(this.memory, registry, this.pings,
				TIMEOUT);
		Health health = memoryHealth.health();
		assertThat(health.getStatus()).as("a stopped consumer is not unhealthy").isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("consumers", Map.of("worker", Map.of("queue", "orders",
				"running", false, "busyWorkers", 0, "concurrency", 3, "buffered", 0, "prefetch", 7)));
		assertThat(new FilaDriverHealthIndicator(this.broken, registry, this.pings, TIMEOUT).health().getDetails())
			.as("another driver's consumers are not listed").containsEntry("consumers", Map.of());
		registry.start("worker");
		@SuppressWarnings("unchecked")
		Map<String, Map<String, Object>> consumers = (Map<String, Map<String, Object>>) memoryHealth.health()
			.getDetails()
			.get("consumers");
		assertThat(consumers.get("worker")).containsEntry("running", true);
		registry.stop("worker");
	}

	private static FilaDrivers drivers(FilaDriver... drivers) {
		Map<String, FilaDriver> byName = new LinkedHashMap<>();
		for (FilaDriver driver : List.of(drivers)) {
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
