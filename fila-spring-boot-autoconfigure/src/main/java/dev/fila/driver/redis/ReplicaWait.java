package dev.fila.driver.redis;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;

import dev.fila.core.FilaException;

/**
 * Redis {@code WAIT} after a write: blocks until that many replicas of the master that ran
 * the write have it, or the timeout passes. Redis replicates asynchronously; this narrows what
 * a failover can lose to writes no replica had when their call returned.
 * <p>
 * {@code WAIT} counts the writes of the connection it runs on, so it must run on the one that
 * ran the script: on a single node that is the Spring connection's native Lettuce connection
 * (the shared one or a dedicated one, the same for both commands); on Redis Cluster it is Lettuce's
 * connection to the master of the queue's slot, the one slot-routed commands use.
 */
final class ReplicaWait {

	/** No waiting: Redis's own asynchronous replication. */
	static final ReplicaWait NONE = new ReplicaWait(0, Duration.ZERO);

	/** How much longer than the {@code WAIT} timeout the client waits for its reply. */
	private static final long REPLY_GRACE_MILLIS = 5_000;

	private final int replicas;

	private final Duration timeout;

	/**
	 * @param replicas how many replicas must confirm a write; 0 to not wait
	 * @param timeout the longest wait for them
	 */
	ReplicaWait(int replicas, Duration timeout) {
		this.replicas = replicas;
		this.timeout = timeout;
	}

	int replicas() {
		return this.replicas;
	}

	Duration timeout() {
		return this.timeout;
	}

	boolean enabled() {
		return this.replicas > 0;
	}

	/**
	 * Waits for the replicas after a write made on this connection.
	 * @param connection the connection that ran the write
	 * @param routingKey a key of the written slot (Redis Cluster: finds the slot's master)
	 * @return how many replicas confirmed the write
	 */
	long await(RedisConnection connection, byte[] routingKey) {
		if (connection instanceof RedisClusterConnection) {
			return awaitOnClusterMaster(connection, routingKey);
		}
		if (!(connection.getNativeConnection() instanceof BaseRedisAsyncCommands<?, ?> lettuce)) {
			throw notLettuce(connection);
		}
		return awaitReply(lettuce, "Redis");
	}

	private static FilaException notLettuce(RedisConnection connection) {
		return new FilaException("The redis driver's wait-replicas option needs Spring Boot's Lettuce client (found "
				+ connection.getNativeConnection().getClass().getName() + ")");
	}

	@SuppressWarnings("unchecked")
	private long awaitOnClusterMaster(RedisConnection connection, byte[] routingKey) {
		if (!(connection.getNativeConnection() instanceof RedisAdvancedClusterAsyncCommands<?, ?> commands)) {
			throw notLettuce(connection);
		}
		int slot = SlotHash.getSlot(routingKey);
		RedisClusterNode master = commands.getStatefulConnection().getPartitions().getMasterBySlot(slot);
		if (master == null) {
			return 0;
		}
		RedisURI uri = master.getUri();
		return awaitReply(((RedisAdvancedClusterAsyncCommands<byte[], byte[]>) commands).getConnection(uri.getHost(),
				uri.getPort()), uri.getHost() + ":" + uri.getPort());
	}

	private long awaitReply(BaseRedisAsyncCommands<?, ?> commands, String node) {
		try {
			Long confirmed = commands.waitForReplication(this.replicas, this.timeout.toMillis())
				.get(this.timeout.toMillis() + REPLY_GRACE_MILLIS, TimeUnit.MILLISECONDS);
			return (confirmed != null) ? confirmed : 0;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FilaException("Interrupted while waiting for Redis replicas", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new FilaException("WAIT for Redis replicas failed on " + node, ex);
		}
	}

	@Override
	public String toString() {
		return enabled() ? "wait for " + this.replicas + " replica(s), at most " + this.timeout.toMillis() + " ms"
				: "no replica wait";
	}

}
