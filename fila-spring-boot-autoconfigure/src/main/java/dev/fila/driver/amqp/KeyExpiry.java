package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaException;

/**
 * Deletes key queues that stayed idle, without losing a message published at that moment.
 * <p>
 * RabbitMQ routes a publish to a queue before the message reaches it, and a message that
 * reaches a queue just deleted is gone, positively confirmed. So deleting is safe only when no
 * publish to the queue can be on its way, which this class ensures with leases in the key log:
 * <ol>
 * <li>A producer publishes to a key queue only within {@code lease} of its own key record for
 * that key, and only if, having read the log past that record, it saw no open expiry of the
 * key. Otherwise that batch goes to the Fila queue's retry queue, which never expires and
 * which every consumer reads into the key's buffer.</li>
 * <li>An instance whose consumer of a key queue held nothing for {@code key-idle-expiry} writes
 * an {@code expiring} record. Every instance that holds nothing of that key then cancels its
 * consumer on it (one that holds something keeps consuming, so the delete below is refused).</li>
 * <li>After {@code lease} and a margin, every lease granted before the expiry ran out. The
 * expiring instance reads the log to its end: a key record after its {@code expiring} record
 * means a producer renewed meanwhile, and it writes {@code kept}. Otherwise it deletes the
 * queue if it is unused and empty (refused: {@code kept}) and writes {@code expired}.</li>
 * </ol>
 * An expiry nobody closes (its instance died) counts as kept once {@code abandon} has passed
 * since it was read; its instance gives up deleting long before that ({@code cutoff}).
 */
final class KeyExpiry {

	private static final Logger logger = LoggerFactory.getLogger(KeyExpiry.class);

	/** How long a key queue's consumer must hold nothing before the queue expires; 0: never. */
	final long idleNanos;

	/** How long a key record lets its producer publish to the key queue. */
	final long leaseNanos;

	/** A producer renews this long before its lease ends, so that a publish never crosses it. */
	final long renewAheadNanos;

	/** How long an expiry waits for the leases granted before it to run out. */
	final long waitNanos;

	/** Past this, counted from its record, an expiring instance no longer deletes. */
	final long cutoffNanos;

	/** Past this, counted from reading its record, an expiry never closed counts as kept. */
	final long abandonNanos;

	private final AmqpChannels channels;

	private final AmqpNames names;

	private final KeyLog keyLog;

	private final ScheduledExecutorService timer;

	/** Producer leases: per queue, per key, when this instance's lease on the key queue ends. */
	private final Map<String, Map<String, Long>> leases = new ConcurrentHashMap<>();

	/** The expiries this instance runs: their ids by queue and key (empty while opening). */
	private final Map<List<String>, String> running = new ConcurrentHashMap<>();

	/** Per queue: what this instance's expiries and publishes did (for tests and logs). */
	private final Map<String, Counts> counts = new ConcurrentHashMap<>();

	/**
	 * Key queues this instance deleted, expiries it closed with the queue kept, and messages it
	 * published to the retry queue because their key's queue was being expired.
	 */
	record Counts(LongAdder expired, LongAdder kept, LongAdder detoured) {
	}

	KeyExpiry(Duration idle, AmqpChannels channels, AmqpNames names, KeyLog keyLog, ScheduledExecutorService timer) {
		this.idleNanos = idle.toNanos();
		this.leaseNanos = Math.min(this.idleNanos / 4, TimeUnit.MINUTES.toNanos(5));
		this.renewAheadNanos = this.leaseNanos / 4;
		this.waitNanos = this.leaseNanos + this.leaseNanos / 2;
		this.cutoffNanos = this.waitNanos + TimeUnit.SECONDS.toNanos(5);
		this.abandonNanos = 2 * this.waitNanos + TimeUnit.SECONDS.toNanos(10);
		this.channels = channels;
		this.names = names;
		this.keyLog = keyLog;
		this.timer = timer;
	}

	boolean enabled() {
		return this.idleNanos > 0;
	}

	/** Whether this instance may publish to the key queue now (a batch takes far less than the margin). */
	boolean leased(String queue, String key, long now) {
		Long end = this.leases.getOrDefault(queue, Map.of()).get(key);
		return end != null && end - now > this.renewAheadNanos;
	}

	/** A lease from a key record published after {@code start}, with no open expiry seen past it. */
	void grant(String queue, String key, long start) {
		this.leases.computeIfAbsent(queue, (name) -> new ConcurrentHashMap<>()).put(key, start + this.leaseNanos);
	}

	void forget(String queue, String key) {
		Map<String, Long> keys = this.leases.get(queue);
		if (keys != null) {
			keys.remove(key);
		}
	}

	void forgetQueue(String queue) {
		this.leases.remove(queue);
		this.counts.remove(queue);
	}

	Counts counts(String queue) {
		return this.counts.computeIfAbsent(queue, (name) -> new Counts(new LongAdder(), new LongAdder(), new LongAdder()));
	}

	/**
	 * Opens an expiry of an idle key queue, unless one is open or the queue holds messages.
	 * Runs on the driver's timer thread.
	 */
	void start(String queue, String key) {
		List<String> id = List.of(queue, key);
		if (this.keyLog.expiring(queue, key) || this.running.putIfAbsent(id, "") != null) {
			return;
		}
		String keyQueue = this.names.keyQueue(queue, key);
		try {
			if (this.channels.readyCount(keyQueue) != 0) {
				this.running.remove(id);
				return;
			}
			String expiry = UUID.randomUUID().toString();
			this.running.put(id, expiry);
			this.channels.with((channel) -> channel
				.publish(List.of(KeyLog.expiringRecord(this.keyLog.stream(), queue, key, expiry))));
			long opened = System.nanoTime();
			logger.debug("Queue {}: key '{}' idle; expiring its queue {}", queue, key, keyQueue);
			this.timer.schedule(() -> finish(queue, key, expiry, opened), this.waitNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			this.running.remove(id);
			logger.debug("Queue {}: could not expire key '{}' ({})", queue, key, ex.getMessage());
		}
	}

	private void finish(String queue, String key, String expiry, long opened) {
		boolean expired = false;
		try {
			this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
			Long offset = this.keyLog.expiryOffset(queue, key, expiry);
			boolean renewed = offset == null || this.keyLog.announcedAfter(queue, key, offset);
			if (!renewed && System.nanoTime() - opened < this.cutoffNanos) {
				expired = deleteIfUnusedAndEmpty(this.names.keyQueue(queue, key));
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Queue {}: expiring key '{}' failed ({}); keeping its queue", queue, key, ex.getMessage());
		}
		try {
			boolean outcome = expired;
			this.channels.with((channel) -> channel
				.publish(List.of(KeyLog.expiryOutcome(this.keyLog.stream(), queue, key, expiry, outcome))));
			(expired ? counts(queue).expired() : counts(queue).kept()).increment();
			if (expired) {
				logger.info("Queue {}: deleted the queue of key '{}', idle for {} ms", queue, key,
						TimeUnit.NANOSECONDS.toMillis(this.idleNanos));
			}
		}
		catch (RuntimeException ex) {
			// Other instances close it as abandoned.
			logger.warn("Queue {}: could not record the outcome of expiring key '{}' ({})", queue, key,
					ex.getMessage());
		}
		finally {
			this.running.remove(List.of(queue, key));
		}
	}

	/**
	 * Closes the expiries this instance has open as kept, so that other instances need not wait
	 * for them to be abandoned (the driver is closing; their deletes will not run).
	 */
	void closeRunning() {
		for (Map.Entry<List<String>, String> expiry : this.running.entrySet()) {
			if (expiry.getValue().isEmpty()) {
				continue;
			}
			String queue = expiry.getKey().get(0);
			String key = expiry.getKey().get(1);
			try {
				this.channels.with((channel) -> channel.publish(List.of(
						KeyLog.expiryOutcome(this.keyLog.stream(), queue, key, expiry.getValue(), false))));
			}
			catch (RuntimeException ex) {
				logger.debug("Queue {}: could not close the expiry of key '{}' ({})", queue, key, ex.getMessage());
			}
		}
		this.running.clear();
	}

	/**
	 * RabbitMQ refuses (and closes the channel, which {@link AmqpChannels#with} then drops) if
	 * the queue has consumers or ready messages.
	 */
	private boolean deleteIfUnusedAndEmpty(String keyQueue) {
		try {
			return this.channels.with((channel) -> channel.channel().queueDelete(keyQueue, true, true) != null);
		}
		catch (FilaException ex) {
			return false;
		}
	}

}
