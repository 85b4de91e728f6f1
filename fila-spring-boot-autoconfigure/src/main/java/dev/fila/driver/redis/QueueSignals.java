package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Wakes idle consumers when their queue changes. Scripts that make messages deliverable
 * {@code PUBLISH} the queue name on one channel; one subscription per driver bumps a version
 * per queue and signals local waiters. A consumer samples the version before it fetches and
 * only waits if it is unchanged, so a message published in between is never missed; waits are
 * bounded anyway, so a lost notification (subscription down) costs at most one wait.
 */
class QueueSignals implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(QueueSignals.class);

	private final Map<String, Signal> signals = new ConcurrentHashMap<>();

	private final RedisConnectionFactory connectionFactory;

	private final byte[] channel;

	private volatile @Nullable RedisConnection subscription;

	QueueSignals(RedisConnectionFactory connectionFactory, String channel) {
		this.connectionFactory = connectionFactory;
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
	}

	/** Subscribes in the background; Lettuce resubscribes by itself after a reconnect. */
	void start() {
		Thread subscriber = new Thread(() -> {
			try {
				RedisConnection connection = this.connectionFactory.getConnection();
				this.subscription = connection;
				connection.subscribe((message, pattern) -> bump(new String(message.getBody(), StandardCharsets.UTF_8)),
						this.channel);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not subscribe to Fila queue notifications; idle consumers will poll", ex);
			}
		}, "fila-redis-notifications");
		subscriber.setDaemon(true);
		subscriber.start();
	}

	/**
	 * Called before each fetch of a queue, so that its notifications reach this instance. The
	 * driver-wide channel is subscribed once at start; {@link ShardedQueueSignals} subscribes per queue.
	 */
	void watch(String queue) {
	}

	/** The queue is gone: its notifications are no longer needed. */
	void forget(String queue) {
	}

	long version(String queue) {
		return signal(queue).version;
	}

	long wakeUps(String queue) {
		return signal(queue).wakeUps;
	}

	/** Wakes local waiters of a queue for good: their fetch returns (see FilaDriver#wakeUp). */
	void wakeUp(String queue) {
		Signal signal = signal(queue);
		signal.lock.lock();
		try {
			signal.wakeUps++;
			signal.version++;
			signal.changed.signalAll();
		}
		finally {
			signal.lock.unlock();
		}
	}

	void bump(String queue) {
		Signal signal = signal(queue);
		signal.lock.lock();
		try {
			signal.version++;
			signal.changed.signalAll();
		}
		finally {
			signal.lock.unlock();
		}
	}

	/**
	 * Waits until the queue's version moves past {@code seen} or the time is up.
	 * @throws InterruptedException when interrupted
	 */
	void await(String queue, long seen, long nanos) throws InterruptedException {
		Signal signal = signal(queue);
		signal.lock.lockInterruptibly();
		try {
			long remaining = nanos;
			while (signal.version == seen && remaining > 0) {
				remaining = signal.changed.awaitNanos(remaining);
			}
		}
		finally {
			signal.lock.unlock();
		}
	}

	private Signal signal(String queue) {
		return this.signals.computeIfAbsent(queue, (name) -> new Signal());
	}

	@Override
	public void close() {
		RedisConnection connection = this.subscription;
		if (connection != null) {
			try {
				if (connection.getSubscription() != null) {
					connection.getSubscription().unsubscribe();
				}
				connection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Error closing the notification subscription", ex);
			}
		}
	}

	private static final class Signal {

		final ReentrantLock lock = new ReentrantLock();

		final Condition changed = this.lock.newCondition();

		volatile long version;

		volatile long wakeUps;

	}

	static long millisToNanos(long millis) {
		return TimeUnit.MILLISECONDS.toNanos(millis);
	}

}
