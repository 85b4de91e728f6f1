package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The decisions of the key-expiry protocol (described in {@link KeyExpiry}), over the key
 * log's records and a clock: no channel, no thread, no broker. It knows this instance's
 * producer leases and the expiries read from the log and not closed yet; {@link KeyLog} feeds
 * it the records it reads, {@link KeyExpiry} and the producers ask it what to do and carry
 * it out. Its times are {@link System#nanoTime}-like readings of the clock.
 * <p>
 * Thread-safe: the log's reading thread, producers and the driver's timer use it at once.
 */
final class ExpiryProtocol {

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

	private final LongSupplier clock;

	/** Producer leases: per queue, per key, when this instance's lease on the key queue ends. */
	private final Map<String, Map<String, Long>> leases = new ConcurrentHashMap<>();

	/**
	 * Open expiries per queue and key (asked on every lease and subscription), by id. Changed
	 * on the log's reading thread and by {@link #abandon} on the timer: atomically per key.
	 */
	private final Map<List<String>, Map<String, OpenExpiry>> open = new ConcurrentHashMap<>();

	/** An expiry this instance read and has not seen closed: its record's place in the log. */
	private record OpenExpiry(long offset, long readAt) {
	}

	/** An expiry closed as kept because nobody closed it in time. */
	record Abandoned(String queue, String key, String id) {
	}

	/** What a record closing an expiry means for the key. */
	enum Closing {

		/** The expiry was not open here (closed already, or never read): nothing changes. */
		NONE,

		/** The key's queue was deleted: the key is forgotten until it is announced again. */
		DELETED,

		/**
		 * The key's queue was deleted, but a producer announced the key after the expiry opened:
		 * it saw the deletion before publishing and declares the queue again, so the key stays
		 * known and is consumed again.
		 */
		DELETED_AND_ANNOUNCED,

		/** The queue stays and no other expiry of the key is open: consume it again. */
		RESUMED,

		/** The queue stays, but another expiry of the key is still open: it stays paused. */
		STILL_EXPIRING

	}

	/**
	 * @param idle how long a key queue's consumer must hold nothing before the queue expires;
	 * zero for never
	 * @param clock the time in nanoseconds, as {@link System#nanoTime}
	 */
	ExpiryProtocol(Duration idle, LongSupplier clock) {
		this.idleNanos = idle.toNanos();
		this.leaseNanos = Math.min(this.idleNanos / 4, TimeUnit.MINUTES.toNanos(5));
		this.renewAheadNanos = this.leaseNanos / 4;
		this.waitNanos = this.leaseNanos + this.leaseNanos / 2;
		this.cutoffNanos = this.waitNanos + TimeUnit.SECONDS.toNanos(5);
		this.abandonNanos = 2 * this.waitNanos + TimeUnit.SECONDS.toNanos(10);
		this.clock = clock;
	}

	boolean enabled() {
		return this.idleNanos > 0;
	}

	long now() {
		return this.clock.getAsLong();
	}

	// Producers

	/** Whether this instance may publish to the key queue now (a batch takes far less than the margin). */
	boolean leased(String queue, String key) {
		Long end = this.leases.getOrDefault(queue, Map.of()).get(key);
		return end != null && end - now() > this.renewAheadNanos;
	}

	/**
	 * Decides, once the log was read past a key record that this instance published after
	 * {@code start}, whether its producers may publish to the key queue: yes, with a lease from
	 * {@code start}, unless an expiry of the key is open; then that batch goes to the retry queue.
	 * @return whether the lease was granted
	 */
	boolean lease(String queue, String key, long start) {
		if (expiring(queue, key)) {
			return false;
		}
		this.leases.computeIfAbsent(queue, (name) -> new ConcurrentHashMap<>()).put(key, start + this.leaseNanos);
		return true;
	}

	/** Drops this instance's lease on the key queue (it came back unroutable, or was deleted). */
	void forget(String queue, String key) {
		Map<String, Long> keys = this.leases.get(queue);
		if (keys != null) {
			keys.remove(key);
		}
	}

	void forgetQueue(String queue) {
		this.leases.remove(queue);
	}

	// The expiring instance

	/** Whether a consumer that last had activity then, and holds that many unsettled, found its key idle. */
	boolean idle(long lastActivity, int unacked) {
		return unacked == 0 && now() - lastActivity > this.idleNanos;
	}

	/** Whether to open an expiry of an idle key queue: none is open, and the queue has no ready message. */
	boolean mayOpen(String queue, String key, long ready) {
		return !expiring(queue, key) && ready == 0;
	}

	/**
	 * Whether the expiring instance deletes the key queue, {@link #waitNanos} after it opened
	 * the expiry and having read the log to its end: not if the expiry is no longer open, nor if
	 * a key record came after the expiry's (a producer renewed its lease meanwhile), nor past
	 * the cutoff (other instances may be about to count the expiry abandoned).
	 * @param lastAnnounced the log offset of the key's latest key record, null if none
	 * @param opened when the expiring record was published
	 */
	boolean mayDelete(String queue, String key, String id, @Nullable Long lastAnnounced, long opened) {
		Long offset = expiryOffset(queue, key, id);
		boolean renewed = offset == null || (lastAnnounced != null && lastAnnounced > offset);
		return !renewed && now() - opened < this.cutoffNanos;
	}

	// Records read from the log

	/** An {@code expiring} record was read at that offset: the key's queue is paused everywhere. */
	void expiringRead(String queue, String key, String id, long offset) {
		OpenExpiry expiry = new OpenExpiry(offset, now());
		this.open.compute(List.of(queue, key), (name, ids) -> {
			Map<String, OpenExpiry> byId = (ids != null) ? ids : new ConcurrentHashMap<>();
			byId.putIfAbsent(id, expiry);
			return byId;
		});
	}

	/**
	 * A {@code kept} or {@code expired} record was read (or an expiry was abandoned).
	 * @param expired whether the record says the queue was deleted
	 * @param lastAnnounced the log offset of the key's latest key record, null if none
	 */
	Closing closeRead(String queue, String key, String id, boolean expired, @Nullable Long lastAnnounced) {
		OpenExpiry[] closed = new OpenExpiry[1];
		this.open.computeIfPresent(List.of(queue, key), (name, ids) -> {
			closed[0] = ids.remove(id);
			return ids.isEmpty() ? null : ids;
		});
		OpenExpiry expiry = closed[0];
		if (expiry == null) {
			return Closing.NONE;
		}
		if (expired) {
			boolean announcedSince = lastAnnounced != null && lastAnnounced > expiry.offset();
			return announcedSince ? Closing.DELETED_AND_ANNOUNCED : Closing.DELETED;
		}
		return expiring(queue, key) ? Closing.STILL_EXPIRING : Closing.RESUMED;
	}

	/** Whether this instance has read an expiry of the key's queue that is not closed yet. */
	boolean expiring(String queue, String key) {
		return this.open.containsKey(List.of(queue, key));
	}

	/** @return where an open expiry's record is in the log, or null if it is closed or not read */
	@Nullable Long expiryOffset(String queue, String key, String id) {
		OpenExpiry expiry = this.open.getOrDefault(List.of(queue, key), Map.of()).get(id);
		return (expiry != null) ? expiry.offset() : null;
	}

	/**
	 * The expiries read longer ago than {@link #abandonNanos} and never closed: their instance
	 * died or lost RabbitMQ, and gave up deleting long before this. The caller closes each as
	 * kept (see {@link #closeRead}).
	 */
	List<Abandoned> abandoned() {
		long now = now();
		List<Abandoned> abandoned = new ArrayList<>();
		for (Map.Entry<List<String>, Map<String, OpenExpiry>> perKey : this.open.entrySet()) {
			for (Map.Entry<String, OpenExpiry> open : List.copyOf(perKey.getValue().entrySet())) {
				if (now - open.getValue().readAt() > this.abandonNanos) {
					abandoned.add(new Abandoned(perKey.getKey().get(0), perKey.getKey().get(1), open.getKey()));
				}
			}
		}
		return abandoned;
	}

}
