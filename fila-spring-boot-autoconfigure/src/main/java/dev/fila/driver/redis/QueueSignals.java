package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.driver.LeasedMessage;

/**
 * Wakes idle consumers when their queue changes. Scripts that make messages deliverable
 * {@code PUBLISH} the queue name on one channel; one subscription per driver bumps a version
 * per queue and signals local waiters. A consumer samples the version before it fetches and
 * only waits if it is unchanged, so a message published in between is never missed; waits are
 * bounded anyway, so a lost notification (subscription down) costs at most one wait.
 * <p>
 * A queue has an entry here only while a fetch of it runs in this instance ({@link #enter} to
 * {@link #exit}, counted): every instance hears every queue's notifications, other instances'
 * reply queues included, and an entry per queue ever notified grew without end. The protocol
 * stays sound because a fetch samples versions and waits only between its own enter and exit,
 * and the entry cannot go while it is entered: every notification in that span bumps the very
 * entry it sampled. A notification that finds no entry has no waiter here to wake; the next
 * fetch of that queue runs its script before it waits, and so sees the message anyway.
 * <p>
 * Messages an enqueue leased for this instance (the hand-off, see {@link RedisHandOff}) wait in
 * the queue's entry for a fetch to take them; they are only accepted while a fetch of the queue
 * is entered, and those still there when the last fetch exits are given back.
 */
class QueueSignals implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(QueueSignals.class);

	/** How long a close waits for a subscribe on its way. */
	private static final long SUBSCRIBE_GRACE_MILLIS = 1_000;

	private final Map<String, Signal> signals = new ConcurrentHashMap<>();

	private final RedisConnectionFactory connectionFactory;

	private final byte[] channel;

	private volatile @Nullable RedisConnection subscription;

	private volatile @Nullable Thread subscriber;

	private volatile boolean closed;

	/** The hand-off channel and what hears it, or {@code null} (see {@link #handOffs}). */
	private volatile byte @Nullable [] handOffChannel;

	private volatile Consumer<byte[]> handOffListener = (body) -> {
	};

	private volatile Consumer<List<LeasedMessage>> unclaimed = (messages) -> {
	};

	/** Whether the subscription stands (set once it was made; Lettuce renews it after a reconnect). */
	private volatile boolean subscribed;

	QueueSignals(RedisConnectionFactory connectionFactory, String channel) {
		this.connectionFactory = connectionFactory;
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Before {@link #start}: also subscribes {@code channel}, whose messages go to {@code listener}
	 * (on the subscription's thread: it must not block), and hands messages handed off to a queue
	 * no fetch takes any more to {@code unclaimed}.
	 */
	void handOffs(byte[] channel, Consumer<byte[]> listener, Consumer<List<LeasedMessage>> unclaimed) {
		this.handOffChannel = channel;
		this.handOffListener = listener;
		this.unclaimed = unclaimed;
	}

	/** @return whether the subscription was made (messages published now reach this instance) */
	boolean subscribed() {
		return this.subscribed;
	}

	/** Subscribes in the background; Lettuce resubscribes by itself after a reconnect. */
	void start() {
		Thread thread = new Thread(() -> {
			try {
				RedisConnection connection = this.connectionFactory.getConnection();
				this.subscription = connection;
				if (this.closed) {
					connection.close();
					return;
				}
				byte[] handOff = this.handOffChannel;
				byte[][] channels = (handOff != null) ? new byte[][] { this.channel, handOff }
						: new byte[][] { this.channel };
				connection.subscribe((message, pattern) -> {
					if (handOff != null && Arrays.equals(message.getChannel(), handOff)) {
						this.handOffListener.accept(message.getBody());
					}
					else {
						bump(new String(message.getBody(), StandardCharsets.UTF_8));
					}
				}, channels);
				this.subscribed = true;
			}
			catch (RuntimeException ex) {
				if (!this.closed) {
					logger.warn("Could not subscribe to Fila queue notifications; idle consumers will poll", ex);
				}
			}
		}, "fila-redis-notifications");
		thread.setDaemon(true);
		this.subscriber = thread;
		thread.start();
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

	/** A fetch of the queue starts: its entry stays until the matching {@link #exit}. */
	void enter(String queue) {
		this.signals.compute(queue, (name, signal) -> {
			Signal entered = (signal != null) ? signal : new Signal();
			entered.fetches++;
			return entered;
		});
	}

	/**
	 * A fetch of the queue ended: the last one out removes the entry, and gives back what was
	 * handed off to it and not taken.
	 */
	void exit(String queue) {
		List<LeasedMessage> left = new ArrayList<>(0);
		this.signals.computeIfPresent(queue, (name, signal) -> {
			if (--signal.fetches > 0) {
				return signal;
			}
			signal.lock.lock();
			try {
				left.addAll(signal.handedOff);
				signal.handedOff.clear();
			}
			finally {
				signal.lock.unlock();
			}
			return null;
		});
		if (!left.isEmpty()) {
			this.unclaimed.accept(left);
		}
	}

	/**
	 * Messages leased for this instance by an enqueue: kept for a fetch of the queue, whose
	 * waiters wake, when one is entered.
	 * @return whether they were kept; if not, the caller gives them back
	 */
	boolean handOff(String queue, List<LeasedMessage> messages) {
		return this.signals.computeIfPresent(queue, (name, signal) -> {
			signal.lock.lock();
			try {
				signal.handedOff.addAll(messages);
				signal.version++;
				signal.changed.signalAll();
			}
			finally {
				signal.lock.unlock();
			}
			return signal;
		}) != null;
	}

	/**
	 * Takes up to {@code max} of the messages handed off to the queue. Only between {@link #enter}
	 * and {@link #exit}.
	 */
	List<LeasedMessage> takeHandedOff(String queue, int max) {
		Signal signal = signal(queue);
		signal.lock.lock();
		try {
			if (signal.handedOff.isEmpty()) {
				return List.of();
			}
			List<LeasedMessage> taken = new ArrayList<>(Math.min(max, signal.handedOff.size()));
			while (taken.size() < max && !signal.handedOff.isEmpty()) {
				taken.add(signal.handedOff.poll());
			}
			return taken;
		}
		finally {
			signal.lock.unlock();
		}
	}

	/** Only between {@link #enter} and {@link #exit}. */
	long version(String queue) {
		return signal(queue).version;
	}

	/** Only between {@link #enter} and {@link #exit}. */
	long wakeUps(String queue) {
		return signal(queue).wakeUps;
	}

	/**
	 * Wakes local waiters of a queue for good: their fetch returns (see FilaDriver#wakeUp). A
	 * fetch that starts later does not see it, as before: it samples the count when it starts.
	 */
	void wakeUp(String queue) {
		Signal signal = this.signals.get(queue);
		if (signal == null) {
			return;
		}
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

	/** A notification: creates nothing for a queue no fetch here waits on. */
	void bump(String queue) {
		Signal signal = this.signals.get(queue);
		if (signal == null) {
			return;
		}
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
	 * Waits until the queue's version moves past {@code seen} or the time is up. Only between
	 * {@link #enter} and {@link #exit}.
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

	/** @return how many queues have an entry here (for tests) */
	int size() {
		return this.signals.size();
	}

	private Signal signal(String queue) {
		Signal signal = this.signals.get(queue);
		if (signal == null) {
			throw new IllegalStateException("No fetch of queue '" + queue + "' entered");
		}
		return signal;
	}

	@Override
	public void close() {
		this.closed = true;
		// A subscribe on its way normally ends within a round trip: let it, then unsubscribe.
		Thread thread = this.subscriber;
		if (thread != null && thread != Thread.currentThread()) {
			try {
				thread.join(SUBSCRIBE_GRACE_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		RedisConnection connection = this.subscription;
		if (connection == null) {
			return;
		}
		if (thread != null && thread.isAlive()) {
			// A SUBSCRIBE that got no answer (seen when a context closes right after it started)
			// blocks every later command on the connection until Lettuce's command timeout, a
			// minute: close it on a daemon thread, never on the application's shutdown.
			Thread closer = new Thread(() -> closeQuietly(connection), "fila-redis-notifications-close");
			closer.setDaemon(true);
			closer.start();
			return;
		}
		closeQuietly(connection);
	}

	private static void closeQuietly(RedisConnection connection) {
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

	private static final class Signal {

		final ReentrantLock lock = new ReentrantLock();

		final Condition changed = this.lock.newCondition();

		/** Messages handed off to this instance, changed under {@link #lock}. */
		final ArrayDeque<LeasedMessage> handedOff = new ArrayDeque<>(0);

		volatile long version;

		volatile long wakeUps;

		/** Fetches between enter and exit; changed only inside the map's compute. */
		int fetches;

	}

	static long millisToNanos(long millis) {
		return TimeUnit.MILLISECONDS.toNanos(millis);
	}

}
