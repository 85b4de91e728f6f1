package dev.fila.driver.redis;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.ChaosScenario;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault-injection run on Redis: the driver's connections killed ({@code CLIENT KILL})
 * twice and Redis paused for a second ({@code CLIENT PAUSE}), besides the library's own
 * faults. Only this test's clients are killed; the pause holds every client of the machine's
 * Redis for a second.
 */
class RedisChaosIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final String clientName = "fila-chaos-" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory factory;

	private LettuceConnectionFactory admin;

	@AfterEach
	void cleanUp() {
		RedisTestSupport.deleteKeys(this.admin, this.prefix);
		this.factory.destroy();
		this.admin.destroy();
	}

	@Test
	void losesNothingWhenConnectionsAreKilledAndRedisPauses() throws Exception {
		this.factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379),
				LettuceClientConfiguration.builder().clientName(this.clientName).commandTimeout(Duration.ofSeconds(2)).build());
		this.factory.afterPropertiesSet();
		this.factory.start();
		this.admin = RedisTestSupport.connectionFactory();
		try (RedisDriver driver = new RedisDriver("redis", this.factory, this.prefix)) {
			new ChaosScenario(driver).fault("CLIENT KILL", this::killClients)
				.fault("CLIENT PAUSE 1000", () -> pause(1000))
				.fault("CLIENT KILL again", this::killClients)
				.run(2_000);
		}
	}

	private void killClients() {
		try (RedisConnection connection = this.admin.getConnection()) {
			int killed = 0;
			for (var client : connection.serverCommands().getClientList()) {
				if (this.clientName.equals(client.getName())) {
					String[] address = client.getAddressPort().split(":");
					connection.serverCommands().killClient(address[0], Integer.parseInt(address[1]));
					killed++;
				}
			}
			assertThat(killed).as("connections killed").isPositive();
		}
	}

	private void pause(long millis) {
		try (RedisConnection connection = this.admin.getConnection()) {
			connection.execute("CLIENT", "PAUSE".getBytes(), Long.toString(millis).getBytes());
		}
	}

}
