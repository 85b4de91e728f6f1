package dev.fila.driver.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;
import dev.fila.listener.FilaListenerRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Two application contexts share one Redis queue: fairness and throttles hold globally,
 * because scheduling runs in Redis.
 */
class RedisMultiInstanceIntegrationTests {

	static final ConcurrentLinkedQueue<String> deliveredKeys = new ConcurrentLinkedQueue<>();

	static final AtomicInteger delivered = new AtomicInteger();

	/** Handlers running now and the most seen at once, per fairness key, over both instances. */
	static final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

	static final Map<String, Integer> mostRunning = new ConcurrentHashMap<>();

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final ApplicationContextRunner instance = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
		.withUserConfiguration(Worker.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "fila.drivers.shared.type=redis",
				"fila.drivers.shared.redis.key-prefix=" + this.prefix, "fila.lua.timeout=200ms",
				"fila.queues.jobs.on-enqueue=function on_enqueue(msg) return { fairness_key = msg.headers.type, "
						+ "weight = tonumber(msg.headers.w or '1'), throttle_keys = msg.headers.t } end",
				"fila.throttles.slow.rate=20", "fila.throttles.slow.burst=1");

	static class Worker {

		@FilaListener(queue = "jobs", id = "worker", concurrency = "${test.concurrency:1}", prefetch = "1",
				autoStartup = "false")
		void handle(FilaMessage message) throws InterruptedException {
			AtomicInteger now = running.computeIfAbsent(message.fairnessKey(), (key) -> new AtomicInteger());
			int concurrent = now.incrementAndGet();
			mostRunning.merge(message.fairnessKey(), concurrent, Math::max);
			if (message.headers().containsKey("sleep")) {
				Thread.sleep(Long.parseLong(message.headers().get("sleep")));
			}
			now.decrementAndGet();
			deliveredKeys.add(message.fairnessKey());
			delivered.incrementAndGet();
		}

	}

	@BeforeEach
	void reset() {
		deliveredKeys.clear();
		delivered.set(0);
		running.clear();
		mostRunning.clear();
	}

	@AfterEach
	void cleanUp() {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();
		RedisTestSupport.deleteKeys(factory, this.prefix);
		factory.destroy();
	}

	private void withTwoInstances(String[] properties, TwoInstances body) {
		this.instance.withPropertyValues(properties)
			.run((first) -> this.instance.withPropertyValues(properties).run((second) -> body.run(first, second)));
	}

	private static void startBoth(ApplicationContext first, ApplicationContext second) {
		first.getBean(FilaListenerRegistry.class).start("worker");
		second.getBean(FilaListenerRegistry.class).start("worker");
	}

	private static void enqueue(FilaTemplate template, String type, String weight, int count) {
		List<OutboundMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(OutboundMessage.of(Map.of("type", type, "w", weight), type + "-" + i));
			if (batch.size() == 500) {
				template.enqueueAll("jobs", batch);
				batch.clear();
			}
		}
		if (!batch.isEmpty()) {
			template.enqueueAll("jobs", batch);
		}
	}

	@Test
	void quietKeyIsServedEarlyAcrossInstances() {
		withTwoInstances(new String[0], (first, second) -> {
			enqueue(first.getBean(FilaTemplate.class), "email", "1", 1000);
			enqueue(second.getBean(FilaTemplate.class), "sms", "1", 10);
			startBoth(first, second);
			await().atMost(Duration.ofSeconds(20)).until(() -> delivered.get() >= 30);
			List<String> firstThirty = new ArrayList<>(deliveredKeys).subList(0, 30);
			assertThat(firstThirty).filteredOn("sms"::equals).hasSize(10);
		});
	}

	@Test
	void weightedSharesHoldAcrossInstances() {
		withTwoInstances(new String[0], (first, second) -> {
			FilaTemplate template = first.getBean(FilaTemplate.class);
			for (int weight = 1; weight <= 5; weight++) {
				enqueue(template, "key-" + weight, Integer.toString(weight), 2000);
			}
			startBoth(first, second);
			await().atMost(Duration.ofSeconds(60)).until(() -> delivered.get() >= 5000);
			List<String> window = new ArrayList<>(deliveredKeys).subList(0, 5000);
			Map<String, Integer> counts = new HashMap<>();
			window.forEach((key) -> counts.merge(key, 1, Integer::sum));
			for (int weight = 1; weight <= 5; weight++) {
				double share = counts.getOrDefault("key-" + weight, 0) * 100.0 / 5000;
				assertThat(share).as("share of key-%d", weight).isCloseTo(weight * 100.0 / 15, within(2.0));
			}
		});
	}

	@Test
	void throttleHoldsAcrossInstances() {
		withTwoInstances(new String[] { "test.concurrency=2" }, (first, second) -> {
			List<OutboundMessage> batch = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				batch.add(OutboundMessage.of(Map.of("type", "k" + (i % 4), "t", "slow"), "t" + i));
			}
			first.getBean(FilaTemplate.class).enqueueAll("jobs", batch);
			long start = System.nanoTime();
			startBoth(first, second);
			await().atMost(Duration.ofSeconds(20)).until(() -> delivered.get() >= 40);
			double seconds = (System.nanoTime() - start) / 1e9;
			assertThat(seconds).as("seconds for 40 messages at 20/s, burst 1, over two instances")
				.isGreaterThanOrEqualTo(1.9);
		});
	}

	@Test
	void aKeysInFlightLimitHoldsOverEveryWorkerOfBothInstancesAndIdlesNone() {
		String[] properties = { "test.concurrency=4", "fila.queues.jobs.key-max-in-flight=2" };
		withTwoInstances(properties, (first, second) -> {
			List<OutboundMessage> batch = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				batch.add(OutboundMessage.of(Map.of("type", "big", "sleep", "20"), "big-" + i));
				if (i < 20) {
					batch.add(OutboundMessage.of(Map.of("type", "small-" + (i % 4), "sleep", "20"), "small-" + i));
				}
			}
			first.getBean(FilaTemplate.class).enqueueAll("jobs", batch);
			startBoth(first, second);
			await().atMost(Duration.ofSeconds(30)).until(() -> delivered.get() >= 60);
			System.out.printf("most handlers running at once per key over 8 workers, limit 2: %s%n", mostRunning);
			assertThat(mostRunning.get("big")).isEqualTo(2);
			mostRunning.forEach((key, most) -> assertThat(most).as("most of %s at once", key).isLessThanOrEqualTo(2));
		});
	}

	@FunctionalInterface
	interface TwoInstances {

		void run(ApplicationContext first, ApplicationContext second);

	}

}
