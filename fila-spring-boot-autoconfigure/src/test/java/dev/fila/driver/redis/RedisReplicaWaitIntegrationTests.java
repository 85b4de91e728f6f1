package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code wait-replicas} on the machine's single Redis node, which has no replica: an enqueue
 * says that no replica confirmed it, yet the message is on the master and is delivered; an ack
 * is applied all the same (it is only counted as unconfirmed).
 */
class RedisReplicaWaitIntegrationTests {

	private final LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory();

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final RedisDriver driver = new RedisDriver("redis", this.connectionFactory,
			RedisDriverOptions.DEFAULTS.withKeyPrefix(this.prefix).withWaitReplicas(1).withWaitTimeout(Duration.ofMillis(50)),
			MessageLimits.DEFAULTS);

	private final String queue = "wait-" + UUID.randomUUID();

	@AfterEach
	void cleanUp() {
		this.driver.close();
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void enqueueWithoutReplicasFailsNamingTheCountsButTheMessageIsOnTheMaster() throws Exception {
		this.driver.createQueue(new QueueSpec(this.queue, Duration.ofSeconds(30), 1, true));
		assertThatExceptionOfType(ReplicaWaitException.class)
			.isThrownBy(() -> this.driver.enqueue(this.queue, List.of(message("unconfirmed"))))
			.satisfies((ex) -> {
				assertThat(ex.getQueue()).isEqualTo(this.queue);
				assertThat(ex.getConfirmed()).isZero();
				assertThat(ex.getRequired()).isEqualTo(1);
			})
			.withMessageContaining("0 of 1 Redis replica(s)")
			.withMessageContaining("within 50 ms");
		List<LeasedMessage> fetched = this.driver.fetch(this.queue, 10, Duration.ofSeconds(5));
		assertThat(fetched).extracting((message) -> new String(message.payload(), StandardCharsets.UTF_8))
			.containsExactly("unconfirmed");
		assertThat(this.driver.ack(fetched.get(0))).isTrue();
		assertThat(this.driver.acksUnconfirmed()).isEqualTo(1);
		assertThat(this.driver.stats(this.queue).pending()).isZero();
		assertThat(this.driver.stats(this.queue).inFlight()).isZero();
	}

	private static OutgoingMessage message(String payload) {
		return new OutgoingMessage(Map.of(), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling("k", 1, List.of()));
	}

}
