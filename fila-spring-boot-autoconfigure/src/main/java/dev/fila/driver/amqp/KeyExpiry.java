package dev.fila.driver.amqp;

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

	/** The protocol's decisions and timings; this class carries them out on RabbitMQ. */
	private final ExpiryProtocol protocol;

	private final AmqpChannels channels;

	private final AmqpNames names;

	private final KeyLog keyLog;

	private final ScheduledExecutorService timer;

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

	KeyExpiry(ExpiryProtocol protocol, AmqpChannels channels, AmqpNames names, KeyLog keyLog,
			ScheduledExecutorService timer) {
		this.protocol = protocol;
		this.channels = channels;
		this.names = names;
		this.keyLog = keyLog;
		this.timer = timer;
	}

	boolean enabled() {
		return this.protocol.enabled();
	}

	/** How long a key queue's consumer must hold nothing before the queue expires. */
	long idleNanos() {
		return this.protocol.idleNanos;
	}

	/** The protocol's clock. */
	long now() {
		return this.protocol.now();
	}

	/** Whether this instance may publish to the key queue now (see {@link ExpiryProtocol#leased}). */
	boolean leased(String queue, String key) {
		return this.protocol.leased(queue, key);
	}

	/**
	 * Takes a lease from a key record published after {@code start}, the log read past it
	 * (see {@link ExpiryProtocol#lease}).
	 * @return whether granted; if not, the key's messages go to the retry queue (counted)
	 */
	boolean lease(String queue, String key, long start) {
		if (this.protocol.lease(queue, key, start)) {
			return true;
		}
		counts(queue).detoured().increment();
		return false;
	}

	void forget(String queue, String key) {
		this.protocol.forget(queue, key);
	}

	void forgetQueue(String queue) {
		this.protocol.forgetQueue(queue);
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
		if (this.protocol.expiring(queue, key) || this.running.putIfAbsent(id, "") != null) {
			return;
		}
		String keyQueue = this.names.keyQueue(queue, key);
		try {
			if (!this.protocol.mayOpen(queue, key, this.channels.readyCount(keyQueue))) {
				this.running.remove(id);
				return;
			}
			String expiry = UUID.randomUUID().toString();
			this.running.put(id, expiry);
			this.channels.with((channel) -> channel
				.publish(List.of(KeyLogRecords.expiringRecord(this.keyLog.stream(), queue, key, expiry))));
			long opened = this.protocol.now();
			logger.debug("Queue {}: key '{}' idle; expiring its queue {}", queue, key, keyQueue);
			this.timer.schedule(() -> finish(queue, key, expiry, opened), this.protocol.waitNanos,
					TimeUnit.NANOSECONDS);
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
			if (this.protocol.mayDelete(queue, key, expiry, this.keyLog.lastAnnounced(queue, key), opened)) {
				expired = deleteIfUnusedAndEmpty(this.names.keyQueue(queue, key));
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Queue {}: expiring key '{}' failed ({}); keeping its queue", queue, key, ex.getMessage());
		}
		try {
			boolean outcome = expired;
			this.channels.with((channel) -> channel
				.publish(List.of(KeyLogRecords.expiryOutcome(this.keyLog.stream(), queue, key, expiry, outcome))));
			(expired ? counts(queue).expired() : counts(queue).kept()).increment();
			if (expired) {
				logger.info("Queue {}: deleted the queue of key '{}', idle for {} ms", queue, key,
						TimeUnit.NANOSECONDS.toMillis(this.protocol.idleNanos));
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
						KeyLogRecords.expiryOutcome(this.keyLog.stream(), queue, key, expiry.getValue(), false))));
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
