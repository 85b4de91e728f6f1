package dev.fila.driver.amqp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import dev.fila.scheduling.FairScheduler;

/**
 * A {@link QueueSession}'s fairness keys with what it buffered of each, and whether RabbitMQ
 * may still push more of a key whose buffer ran dry: the scheduler's {@link FairScheduler.Refills}.
 * A key RabbitMQ is about to refill keeps its turn for a short while rather than lose it to the
 * keys whose messages happen to be buffered. Used under the session's lock.
 */
final class KeyBuffers implements FairScheduler.Refills<KeyBuffer> {

	/** How long a drained key's refill is awaited before the key counts as empty. */
	static final long REFILL_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	/** At most one "does this drained key have more?" round trip per interval and session. */
	static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final SessionHost host;

	/** Whether the scheduler still has a key in its rotation: such a key is not forgotten. */
	private final Predicate<KeyBuffer> scheduled;

	private final Map<String, KeyBuffer> keys = new HashMap<>();

	/** When RabbitMQ was last asked whether a drained key has more; bounds those round trips. */
	private long lastProbe;

	KeyBuffers(SessionHost host, Predicate<KeyBuffer> scheduled) {
		this.host = host;
		this.scheduled = scheduled;
	}

	/** What this instance holds of one key, for stats. */
	record KeyCounts(long buffered, long inFlight, double weight) {
	}

	KeyBuffer get(String key) {
		return this.keys.computeIfAbsent(key, KeyBuffer::new);
	}

	@Nullable KeyBuffer getIfPresent(String key) {
		return this.keys.get(key);
	}

	/** @return a copy of the keys this session holds state for */
	List<KeyBuffer> all() {
		return List.copyOf(this.keys.values());
	}

	/** Forgets a key that holds nothing here and is out of the schedule. */
	void forgetIfIdle(KeyBuffer key) {
		if (key.inFlight == 0 && !key.hasQueued() && !this.scheduled.test(key)) {
			this.keys.remove(key.name());
		}
	}

	/**
	 * The channel was dropped, and every key's buffer with it. Keys with leases stay: their
	 * in-flight counts hold the key's in-flight limit until those leases end.
	 */
	void clear() {
		this.keys.values().removeIf((key) -> key.inFlight == 0);
		for (KeyBuffer key : this.keys.values()) {
			key.source = null;
			key.backlog = false;
		}
	}

	/** The buffered messages were taken: no key waits for a refill, and those not leased go. */
	void emptied() {
		for (KeyBuffer key : this.keys.values()) {
			key.backlog = false;
		}
		this.keys.values().removeIf((key) -> key.inFlight == 0);
	}

	/** Per key: buffered here (pending to the user) and leased; for stats. */
	Map<String, KeyCounts> counts() {
		Map<String, KeyCounts> counts = new HashMap<>();
		for (KeyBuffer key : this.keys.values()) {
			counts.put(key.name(), new KeyCounts(key.queued(), key.inFlight, key.weight()));
		}
		return counts;
	}

	/** A delivery of the key came from a key or shard queue: one more unacked there. */
	void delivered(KeyBuffer key, KeySource source) {
		source.unacked.incrementAndGet();
		source.lastActivity = System.nanoTime();
		source.delivered(key.name());
		key.source = source;
		key.awaitedRefill = false;
		if (source.prefetch > 1 && source.unacked.get() >= source.prefetch) {
			// RabbitMQ filled the consumer's prefetch: it may well hold more of this key.
			key.backlog = true;
		}
	}

	/** A key queue with ready messages was consumed just now: RabbitMQ is about to push the key. */
	KeyBuffer refillComing(String key, KeySource source) {
		KeyBuffer buffer = get(key);
		buffer.source = source;
		buffer.backlog = source.prefetch > 1;
		buffer.refillBy = System.nanoTime() + REFILL_WAIT_NANOS;
		return buffer;
	}

	/** A key whose buffer ran dry stays scheduled while RabbitMQ may hold more of it. */
	@Override
	public boolean mayRefill(KeyBuffer key) {
		return key.backlog;
	}

	@Override
	public long refillWait(KeyBuffer key, long now) {
		return (key.backlog && refillComing(key, now)) ? key.refillBy - now : -1;
	}

	@Override
	public void dropped(KeyBuffer key) {
		forgetIfIdle(key);
	}

	/**
	 * Whether RabbitMQ is about to push more of a key whose buffer ran dry: it has credit left
	 * (fewer unacked than the prefetch) and its queue has ready messages. Asks RabbitMQ at most
	 * once per refill wait; the answer stands for that long. A shard's ready messages may be
	 * other keys': there a key waits for its refill once, until one of its messages arrives.
	 */
	private boolean refillComing(KeyBuffer key, long now) {
		if (now - key.refillBy < 0) {
			return true;
		}
		KeySource source = key.source;
		if (source == null || source.unacked.get() >= source.prefetch) {
			return false;
		}
		if (key.awaitedRefill) {
			key.awaitedRefill = false;
			key.backlog = false;
			return false;
		}
		if (now - this.lastProbe < PROBE_INTERVAL_NANOS) {
			return false;
		}
		this.lastProbe = now;
		long ready = this.host.readyCount(source.rabbitQueue);
		if (ready > 0) {
			key.refillBy = now + REFILL_WAIT_NANOS;
			key.awaitedRefill = source.shared();
			return true;
		}
		// Nothing ready and nothing unacked: the queue is drained, and no key it feeds has a
		// backlog there. Clearing them all at once lets its keys leave the schedule at their next
		// turn, instead of one key per probe (thousands of keys used once would linger for many
		// fetches). While messages are unacked a refill may be on its way: only this key then.
		if (source.unacked.get() == 0) {
			for (KeyBuffer other : this.keys.values()) {
				if (other.source == source && !other.hasQueued() && now - other.refillBy >= 0) {
					other.backlog = false;
				}
			}
		}
		key.backlog = false;
		return false;
	}

}
