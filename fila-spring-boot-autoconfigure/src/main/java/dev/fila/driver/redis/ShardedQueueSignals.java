package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.QueueSpec;

/**
 * Queue notifications on Redis Cluster, over sharded pub/sub: each queue (with its dead-letter
 * queue) has a channel with its hash tag, which the scripts {@code SPUBLISH} to, so a
 * notification goes from the queue's master straight to subscribers connected to that slot's
 * nodes. Plain {@code PUBLISH} on a cluster travels to every node over the cluster bus, which
 * under load added several milliseconds to every wake-up on this machine.
 * <p>
 * A queue's channel is subscribed ({@code SSUBSCRIBE}, routed by Lettuce to the slot's node) on
 * the first fetch of the queue; channels not fetched from for a while are dropped once there are
 * many (temporary reply queues come and go). A sharded subscription lives on one node and is gone
 * when that node fails, so every {@value #RENEW_SECONDS} s the channels are subscribed again,
 * which reaches the slot's current master (a no-op where the subscription still stands). As on
 * one Redis, waits are bounded, so a missing subscription costs a recheck, never a message.
 */
final class ShardedQueueSignals extends QueueSignals {

	private static final Logger logger = LoggerFactory.getLogger(ShardedQueueSignals.class);

	/** Above this many subscribed channels, those not watched for {@link #IDLE_NANOS} are dropped. */
	private static final int MAX_CHANNELS = 1_000;

	private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(1);

	/** How often the watched channels are subscribed again (after a failover, on the new master). */
	static final long RENEW_SECONDS = 5;

	private final LettuceConnectionFactory connectionFactory;

	private final Function<String, String> channelOfQueue;

	/**
	 * Subscribed channels, by the source queue they serve (a queue and its dead-letter queue
	 * share one), with when a fetch last watched each.
	 */
	private final Map<String, Long> watched = new ConcurrentHashMap<>();

	private volatile @Nullable StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;

	private volatile boolean warned;

	private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "fila-redis-notifications");
		thread.setDaemon(true);
		return thread;
	});

	ShardedQueueSignals(LettuceConnectionFactory connectionFactory, Function<String, String> channelOfQueue) {
		super(connectionFactory, "");
		this.connectionFactory = connectionFactory;
		this.channelOfQueue = channelOfQueue;
	}

	@Override
	void start() {
		// Channels are subscribed per queue, on its first fetch; renewed in the background.
		this.renewer.scheduleWithFixedDelay(this::renew, RENEW_SECONDS, RENEW_SECONDS, TimeUnit.SECONDS);
	}

	private void renew() {
		StatefulRedisClusterPubSubConnection<byte[], byte[]> current = this.connection;
		if (current == null) {
			return;
		}
		for (String source : this.watched.keySet()) {
			String channel = this.channelOfQueue.apply(source);
			try {
				current.async().ssubscribe(bytes(channel));
			}
			catch (RuntimeException ex) {
				logger.debug("Could not renew the subscription to channel '{}'", channel, ex);
			}
		}
	}

	/** On every fetch: only a timestamp, unless the queue's channel is not subscribed yet. */
	@Override
	void watch(String queue) {
		String source = QueueSpec.sourceQueueOf(queue);
		if (this.watched.replace(source, System.nanoTime()) != null) {
			return;
		}
		subscribe(source);
	}

	private synchronized void subscribe(String source) {
		if (this.watched.containsKey(source)) {
			return;
		}
		String channel = this.channelOfQueue.apply(source);
		try {
			connection().sync().ssubscribe(bytes(channel));
			this.watched.put(source, System.nanoTime());
			if (this.watched.size() > MAX_CHANNELS) {
				dropIdleChannels();
			}
		}
		catch (RuntimeException ex) {
			if (!this.warned) {
				this.warned = true;
				logger.warn("Could not subscribe to Fila queue notifications on channel '{}'; idle consumers will poll",
						channel, ex);
			}
		}
	}

	private void dropIdleChannels() {
		long now = System.nanoTime();
		this.watched.forEach((source, last) -> {
			if (now - last > IDLE_NANOS) {
				unsubscribe(source);
			}
		});
	}

	/** A dead-letter queue shares its source queue's channel, which stays while the source does. */
	@Override
	void forget(String queue) {
		if (!QueueSpec.isDeadLetterQueue(queue)) {
			unsubscribe(queue);
		}
	}

	private synchronized void unsubscribe(String source) {
		StatefulRedisClusterPubSubConnection<byte[], byte[]> current = this.connection;
		if (this.watched.remove(source) != null && current != null) {
			try {
				current.async().sunsubscribe(bytes(this.channelOfQueue.apply(source)));
			}
			catch (RuntimeException ex) {
				logger.debug("Could not unsubscribe the notifications of queue '{}'", source, ex);
			}
		}
	}

	private StatefulRedisClusterPubSubConnection<byte[], byte[]> connection() {
		StatefulRedisClusterPubSubConnection<byte[], byte[]> current = this.connection;
		if (current == null) {
			// Boot's cluster client, with its options (topology refresh included).
			RedisClusterClient client = (RedisClusterClient) this.connectionFactory.getRequiredNativeClient();
			current = client.connectPubSub(ByteArrayCodec.INSTANCE);
			current.addListener(new RedisClusterPubSubAdapter<>() {

				@Override
				public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
					bump(new String(message, StandardCharsets.UTF_8));
				}

			});
			this.connection = current;
		}
		return current;
	}

	@Override
	public synchronized void close() {
		this.renewer.shutdownNow();
		StatefulRedisClusterPubSubConnection<byte[], byte[]> current = this.connection;
		this.connection = null;
		this.watched.clear();
		if (current != null) {
			try {
				current.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Error closing the notification subscription", ex);
			}
		}
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
