package dev.fila.driver.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer JVM killed with SIGKILL mid-load loses nothing: another consumer finishes the
 * queue once the dead consumer's leases expire, and at most the dead consumer's
 * concurrency + prefetch messages are handled twice. A graceful stop under load loses nothing
 * and redelivers nothing.
 */
class RedisKillIntegrationTests {

	private static final int MESSAGES = 2000;

	private static final int CONCURRENCY = 4;

	private static final int PREFETCH = 10;

	private final LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory();

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final String queue = "kill-test";

	private final List<FilaListenerContainer> containers = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		this.containers.forEach(FilaListenerContainer::stop);
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	private RedisDriver enqueueAll() {
		RedisDriver driver = new RedisDriver("redis", this.connectionFactory, this.prefix);
		driver.createQueue(new QueueSpec(this.queue, RedisConsumerProcess.VISIBILITY, 1, true));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < MESSAGES; i++) {
			batch.add(new OutgoingMessage(Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("tenant-" + (i % 10), 1, List.of())));
			if (batch.size() == 500) {
				driver.enqueue(this.queue, batch);
				batch.clear();
			}
		}
		return driver;
	}

	private List<String> processed() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<byte[]> values = connection.listCommands()
				.lRange(RedisTestSupport.bytes(this.prefix + ":processed"), 0, -1);
			List<String> ids = new ArrayList<>();
			values.forEach((value) -> ids.add(new String(value, StandardCharsets.UTF_8)));
			return ids;
		}
	}

	@Test
	void consumerKilledWithSigkillLosesNothing() throws Exception {
		RedisDriver driver = enqueueAll();
		String java = ProcessHandle.current().info().command().orElse("java");
		Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				RedisConsumerProcess.class.getName(), this.prefix, this.queue, Integer.toString(CONCURRENCY),
				Integer.toString(PREFETCH), "2")
			.redirectErrorStream(true)
			.redirectOutput(new File("target/kill-test-consumer.log"))
			.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> processed().size() >= 300);
		}
		finally {
			child.destroyForcibly(); // SIGKILL on Linux
			assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
		}
		int handledBeforeKill = processed().size();
		FilaListenerContainer survivor = RedisConsumerProcess.consumer(this.connectionFactory, this.prefix, this.queue,
				CONCURRENCY, PREFETCH, 0);
		this.containers.add(survivor);
		survivor.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> driver.stats(this.queue).total() == 0);
		List<String> processed = processed();
		Set<String> distinct = new HashSet<>(processed);
		int duplicates = processed.size() - distinct.size();
		System.out.printf("kill test: sent=%d handled-before-kill=%d acked=%d lost=%d duplicated=%d%n", MESSAGES,
				handledBeforeKill, distinct.size(), MESSAGES - distinct.size(), duplicates);
		assertThat(distinct).hasSize(MESSAGES);
		assertThat(duplicates).isLessThanOrEqualTo(CONCURRENCY + PREFETCH);
		assertThat(driver.stats(QueueSpec.deadLetterQueueOf(this.queue)).total()).isZero();
		driver.close();
	}

	@Test
	void gracefulStopUnderLoadLosesNothingAndRedeliversNothing() throws Exception {
		RedisDriver driver = enqueueAll();
		FilaListenerContainer first = RedisConsumerProcess.consumer(this.connectionFactory, this.prefix, this.queue,
				CONCURRENCY, PREFETCH, 2);
		first.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> processed().size() >= 300);
		assertThat(first.stop()).isEmpty();
		FilaListenerContainer second = RedisConsumerProcess.consumer(this.connectionFactory, this.prefix, this.queue,
				CONCURRENCY, PREFETCH, 0);
		this.containers.add(second);
		second.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> driver.stats(this.queue).total() == 0);
		List<String> processed = processed();
		Set<String> distinct = new HashSet<>(processed);
		System.out.printf("graceful stop: sent=%d acked=%d lost=%d duplicated=%d%n", MESSAGES, distinct.size(),
				MESSAGES - distinct.size(), processed.size() - distinct.size());
		assertThat(distinct).hasSize(MESSAGES);
		assertThat(processed).hasSize(MESSAGES);
		assertThat(driver.expiredLeases(this.queue)).isZero();
		driver.close();
	}

}
