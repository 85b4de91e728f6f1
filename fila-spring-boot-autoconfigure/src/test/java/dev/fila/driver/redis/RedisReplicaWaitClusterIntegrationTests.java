package dev.fila.driver.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code wait-replicas: 1} on the real Redis Cluster (3 masters, 3 replicas): the whole driver
 * contract holds with every enqueue and ack waiting for a replica, and when the replica of a
 * queue's master is stopped (SIGSTOP, shorter than the cluster's node timeout) the enqueue
 * reports that no replica confirmed it. That also shows {@code WAIT} runs on the connection that
 * wrote: on any other connection it would have nothing to wait for and answer 1 at once.
 */
class RedisReplicaWaitClusterIntegrationTests extends DriverContractTests {

	private static final Duration WAIT_TIMEOUT = Duration.ofMillis(200);

	private final LettuceConnectionFactory connectionFactory = RedisClusterTestSupport.connectionFactory();

	private final String prefix = RedisTestSupport.uniquePrefix();

	@Override
	protected FilaDriver createDriver() {
		return new RedisDriver("redis", this.connectionFactory,
				RedisDriverOptions.DEFAULTS.withKeyPrefix(this.prefix).withWaitReplicas(1).withWaitTimeout(WAIT_TIMEOUT),
				MessageLimits.DEFAULTS);
	}

	@Override
	protected void afterDriverClosed() {
		RedisClusterTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void writesWaitForTheReplicaOfTheQueuesMaster() throws Exception {
		RedisDriver redis = (RedisDriver) this.driver;
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("confirmed", "k")));
		LeasedMessage first = fetchOne(queue);
		assertThat(this.driver.ack(first)).isTrue();
		assertThat(redis.acksUnconfirmed()).isZero();

		this.driver.enqueue(queue, List.of(message("second", "k")));
		LeasedMessage second = fetchOne(queue);
		long pid = replicaPid(redis.base(queue) + "c");
		signal("STOP", pid);
		try {
			assertThatExceptionOfType(ReplicaWaitException.class)
				.isThrownBy(() -> this.driver.enqueue(queue, List.of(message("unconfirmed", "k"))))
				.withMessageContaining("0 of 1 Redis replica(s) confirmed the write within 200 ms");
			assertThat(this.driver.ack(second)).isTrue();
			assertThat(redis.acksUnconfirmed()).isEqualTo(1);
		}
		finally {
			signal("CONT", pid);
		}
		// Written to the master all the same: delivered once the replica is back.
		assertThat(new String(fetchOne(queue).payload(), StandardCharsets.UTF_8)).isEqualTo("unconfirmed");
	}

	/** @return the process id of a replica of the master that serves the key's slot */
	private long replicaPid(String key) throws IOException, InterruptedException {
		int replicaPort;
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			RedisClusterNode master = connection.clusterGetNodeForKey(key.getBytes(StandardCharsets.UTF_8));
			replicaPort = connection.clusterGetReplicas(master).iterator().next().getRequiredPort();
		}
		return RedisClusterTestSupport.pidOf(replicaPort);
	}

	private static void signal(String signal, long pid) throws IOException, InterruptedException {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
		assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
	}

}
