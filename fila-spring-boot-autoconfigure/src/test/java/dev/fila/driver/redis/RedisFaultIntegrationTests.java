package dev.fila.driver.redis;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.FilaDrivers;
import dev.fila.driver.OutgoingMessage;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The Redis driver survives a killed connection and a Redis restart. The restart runs its own
 * throwaway {@code redis-server} on a free port, never the machine's Redis.
 */
class RedisFaultIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final List<AutoCloseable> cleanUps = new ArrayList<>();

	@AfterEach
	void cleanUp() throws Exception {
		for (int i = this.cleanUps.size() - 1; i >= 0; i--) {
			this.cleanUps.get(i).close();
		}
	}

	private LettuceConnectionFactory connectionFactory(int port, String clientName) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
				LettuceClientConfiguration.builder().clientName(clientName).commandTimeout(Duration.ofSeconds(2)).build());
		factory.afterPropertiesSet();
		factory.start();
		this.cleanUps.add(factory::destroy);
		return factory;
	}

	private FilaListenerContainer consumer(RedisDriver driver, String queue, Set<String> handled) {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("redis", driver), "redis"),
				Map.of(queue, new QueueDefinition(queue, null, Duration.ofSeconds(2), 1, true, RetryPolicy.DEFAULT, null,
						null)),
				new DefaultQueuePolicyFactory());
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		this.cleanUps.add(factory);
		FilaListenerContainer container = factory.create(new FilaListenerEndpoint("fault-" + UUID.randomUUID(),
				new ConsumerConfig(queue, 2, 10, true, Duration.ofSeconds(5)), "fault test", (message, ack) -> {
					Thread.sleep(1);
					handled.add(message.id());
				}));
		this.cleanUps.add(container::stop);
		return container;
	}

	private static List<OutgoingMessage> messages(int count) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(new OutgoingMessage(Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("k" + (i % 5), 1, List.of())));
		}
		return batch;
	}

	@Test
	void survivesItsConnectionsBeingKilled() throws Exception {
		String clientName = "fila-fault-" + UUID.randomUUID().toString().substring(0, 8);
		LettuceConnectionFactory factory = connectionFactory(6379, clientName);
		this.cleanUps.add(() -> {
			LettuceConnectionFactory cleaner = RedisTestSupport.connectionFactory();
			RedisTestSupport.deleteKeys(cleaner, this.prefix);
			cleaner.destroy();
		});
		RedisDriver driver = new RedisDriver("redis", factory, this.prefix);
		this.cleanUps.add(driver);
		Set<String> handled = ConcurrentHashMap.newKeySet();
		FilaListenerContainer container = consumer(driver, "faults", handled);
		List<String> ids = new ArrayList<>(driver.enqueue("faults", messages(600)));
		container.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 100);
		LettuceConnectionFactory killer = RedisTestSupport.connectionFactory();
		try (RedisConnection connection = killer.getConnection()) {
			int killed = 0;
			for (var client : connection.serverCommands().getClientList()) {
				if (clientName.equals(client.getName())) {
					String[] address = client.getAddressPort().split(":");
					connection.serverCommands().killClient(address[0], Integer.parseInt(address[1]));
					killed++;
				}
			}
			assertThat(killed).as("connections killed").isPositive();
		}
		finally {
			killer.destroy();
		}
		ids.addAll(driver.enqueue("faults", messages(100)));
		await().atMost(Duration.ofSeconds(60)).until(() -> handled.containsAll(ids));
		// An ack batch cut off with its connection is settled by the lease instead (2 s here):
		// the message is delivered again and the queue still ends empty.
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(driver.stats("faults").total()).isZero());
	}

	@Test
	void survivesARedisRestartAndSaysWhenRedisCameBackEmpty() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		Process redis = startRedis(port);
		LettuceConnectionFactory factory = connectionFactory(port, "fila-restart");
		RedisDriver driver = new RedisDriver("redis", factory, this.prefix);
		this.cleanUps.add(driver);
		Set<String> handled = ConcurrentHashMap.newKeySet();
		FilaListenerContainer container = consumer(driver, "restarts", handled);
		container.start();
		List<String> before = driver.enqueue("restarts", messages(50));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(before));

		redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		assertThatException().isThrownBy(driver::ping);
		Thread.sleep(1500);
		redis = startRedis(port);

		List<String> after = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			after.addAll(driver.enqueue("restarts", messages(50)));
			return true;
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(after));
		driver.ping();
	}

	private Process startRedis(int port) throws Exception {
		Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no")
			.redirectErrorStream(true)
			.redirectOutput(new File("target/redis-restart-" + port + ".log"))
			.start();
		this.cleanUps.add(process::destroyForcibly);
		LettuceConnectionFactory probe = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
		probe.afterPropertiesSet();
		probe.start();
		try {
			await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
				try (RedisConnection connection = probe.getConnection()) {
					return "PONG".equals(connection.ping());
				}
			});
		}
		finally {
			probe.destroy();
		}
		return process;
	}

}
