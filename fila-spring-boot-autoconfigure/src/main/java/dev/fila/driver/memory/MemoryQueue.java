package dev.fila.driver.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.fila.core.KeyStats;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.FairScheduler;
import dev.fila.scheduling.FairScheduler.Readiness;
import dev.fila.scheduling.Leases;
import dev.fila.scheduling.NanoClock;
import dev.fila.scheduling.Scheduling;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.ScheduledKey;
import dev.fila.scheduling.TokenBuckets;

/**
 * One queue of the memory driver: per fairness key FIFOs scheduled by a {@link FairScheduler}
 * (deficit round robin, throttles, waiting consumers), leased messages with deadlines, and a
 * delay heap for retries. The scheduler's lock guards it all; waiting consumers wake on
 * enqueue, on the next lease deadline or retry due time, or when a throttle permits again. No
 * timer thread is needed: deadlines are applied whenever the queue is touched.
 */
final class MemoryQueue implements FairScheduler.Fetcher<MemoryQueue.Entry, LeasedMessage> {

	private final String name;

	private final String driverName;

	private final FairScheduler<KeyState, Entry> scheduler;

	private final ReentrantLock lock;

	private final NanoClock clock;

	private final Map<String, KeyState> keys = new HashMap<>();

	private final Leases<Entry> leases = new Leases<>();

	private final PriorityQueue<Entry> delayed = new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.dueAt));

	private volatile QueueSpec spec;

	private long leaseNanos;

	private long leaseSequence;

	private long expiredLeases;

	/** Selections in which a throttle held a message back; written under the lock. */
	private volatile long throttleLimited;

	private boolean deleted;

	private int idleKeys;

	/** Most idle fairness key states kept for reuse. */
	static final int MAX_IDLE_KEYS = 1 << 17;

	MemoryQueue(QueueSpec spec, String driverName, TokenBuckets throttles) {
		this.spec = spec;
		this.leaseNanos = spec.visibilityTimeout().toNanos();
		this.name = spec.name();
		this.driverName = driverName;
		this.clock = NanoClock.SYSTEM;
		this.scheduler = new FairScheduler<>(spec.quantum(), throttles, (entry) -> entry.scheduling.throttleKeys(),
				this.clock, null, (entry) -> entry.scheduling.priority(), (entry) -> entry.enqueuedAtMillis);
		this.lock = this.scheduler.lock();
	}

	String name() {
		return this.name;
	}

	QueueSpec spec() {
		return this.spec;
	}

	/** Applies an operator's pauses, weight overrides, limits and priority aging. */
	void flow(QueueFlow flow) {
		this.scheduler.applyFlow(flow);
	}

	void update(QueueSpec spec) {
		this.lock.lock();
		try {
			this.scheduler.quantum(spec.quantum());
			this.leaseNanos = spec.visibilityTimeout().toNanos();
			this.spec = spec;
		}
		finally {
			this.lock.unlock();
		}
	}

	List<String> enqueue(List<OutgoingMessage> messages) {
		List<String> ids = new ArrayList<>(messages.size());
		long now = System.currentTimeMillis();
		this.lock.lock();
		try {
			checkNotDeleted();
			long nanoNow = this.clock.nanoTime();
			for (OutgoingMessage message : messages) {
				Entry entry = new Entry(message.id(), message.headers(), message.payload(), message.scheduling(), now);
				if (message.delayed()) {
					addDelayed(entry, nanoNow + message.delay().toNanos());
				}
				else {
					addPending(entry, false);
				}
				ids.add(entry.id);
			}
			this.scheduler.signal(messages.size());
		}
		finally {
			this.lock.unlock();
		}
		return ids;
	}

	/** Adds messages moved from another queue (redrive, dead-lettering), keeping ids. */
	void enqueueEntries(List<Entry> entries) {
		this.lock.lock();
		try {
			checkNotDeleted();
			for (Entry entry : entries) {
				addPending(entry, false);
			}
			this.scheduler.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	List<LeasedMessage> fetch(int max, Duration maxWait) throws InterruptedException {
		return this.scheduler.fetch(max, maxWait.toNanos(), this);
	}

	@Override
	public long inFlight() {
		return this.leases.size();
	}

	/** Before each look of a fetch: applies expired leases and due retries. */
	@Override
	public Readiness prepare(long now) {
		checkNotDeleted();
		applyDeadlines(now);
		return Readiness.SELECT;
	}

	@Override
	public LeasedMessage lease(Entry entry, long now) {
		entry.key.inFlight++;
		entry.attempts++;
		String token = Long.toString(++this.leaseSequence);
		entry.leaseToken = token;
		this.leases.lease(token, entry, now + this.leaseNanos);
		return entry.toLeased(this.name);
	}

	@Override
	public long nanosUntilEvent(long now) {
		long wait = this.leases.nanosUntilNextDeadline(now);
		Entry nextDelayed = this.delayed.peek();
		return (nextDelayed != null) ? Math.min(wait, nextDelayed.dueAt - now) : wait;
	}

	@Override
	public void throttled() {
		this.throttleLimited++;
	}

	boolean ack(LeasedMessage message) {
		this.lock.lock();
		try {
			Entry entry = takeLeased(message);
			if (entry == null) {
				return false;
			}
			forgetKeyIfIdle(entry.key);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Settles a failed delivery with a retry after {@code delay}. */
	boolean retry(LeasedMessage message, Duration delay) {
		// Computed before the lease is taken, so that nothing can fail with the message in no structure.
		long delayNanos = ((delay.compareTo(FailureDecision.MAX_RETRY_DELAY) > 0) ? FailureDecision.MAX_RETRY_DELAY
				: delay).toNanos();
		this.lock.lock();
		try {
			Entry entry = takeLeased(message);
			if (entry == null) {
				return false;
			}
			if (delayNanos <= 0) {
				addPending(entry, false);
			}
			else {
				addDelayed(entry, this.clock.nanoTime() + delayNanos);
			}
			this.scheduler.signal(1);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Removes a failed delivery for dead-lettering; returns it, or null when the lease was lost. */
	@Nullable Entry remove(LeasedMessage message) {
		this.lock.lock();
		try {
			Entry entry = takeLeased(message);
			if (entry != null) {
				forgetKeyIfIdle(entry.key);
			}
			return entry;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean release(LeasedMessage message) {
		this.lock.lock();
		try {
			Entry entry = takeLeased(message);
			if (entry == null) {
				return false;
			}
			entry.attempts--;
			addPending(entry, true);
			this.scheduler.signal(1);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean extendLease(LeasedMessage message, Duration duration) {
		this.lock.lock();
		try {
			return leasedEntry(message) != null
					&& this.leases.extend(message.leaseToken(), this.clock.nanoTime() + duration.toNanos());
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Takes up to {@code count} pending messages out of the queue, in scheduling order. */
	List<Entry> drain(int count) {
		this.lock.lock();
		try {
			applyDeadlines(this.clock.nanoTime());
			List<Entry> drained = new ArrayList<>();
			Entry entry;
			while (drained.size() < count && (entry = this.scheduler.take()) != null) {
				forgetKeyIfIdle(entry.key);
				drained.add(entry);
			}
			return drained;
		}
		finally {
			this.lock.unlock();
		}
	}

	long purge() {
		this.lock.lock();
		try {
			long removed = this.scheduler.size() + this.delayed.size();
			this.delayed.clear();
			this.scheduler.clear(null);
			this.keys.values().removeIf((key) -> {
				key.delayed = 0;
				return key.inFlight == 0;
			});
			this.idleKeys = 0;
			return removed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The oldest pending messages, oldest first, untouched; see FilaDriver#peek. */
	List<PendingMessage> peek(int count) {
		this.lock.lock();
		try {
			applyDeadlines(this.clock.nanoTime());
			// Each key is FIFO per priority level, so the oldest overall are among the first ones
			// of each key's levels.
			List<Entry> candidates = new ArrayList<>();
			for (KeyState key : this.keys.values()) {
				candidates.addAll(key.firstQueuedOfEachLevel(count));
			}
			candidates.sort(Comparator.comparingLong((Entry entry) -> entry.enqueuedAtMillis).thenComparing((entry) -> entry.id));
			List<PendingMessage> oldest = new ArrayList<>(Math.min(count, candidates.size()));
			for (Entry entry : candidates.subList(0, Math.min(count, candidates.size()))) {
				oldest.add(entry.toPending(this.name));
			}
			return oldest;
		}
		finally {
			this.lock.unlock();
		}
	}

	QueueStats stats() {
		this.lock.lock();
		try {
			applyDeadlines(this.clock.nanoTime());
			List<KeyStats> keyStats = new ArrayList<>(this.keys.size());
			for (KeyState key : this.keys.values()) {
				if (key.idle) {
					continue;
				}
				keyStats.add(new KeyStats(key.name(), key.queued(), key.inFlight, key.delayed, key.weight()));
			}
			keyStats.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
			return new QueueStats(this.name, this.driverName, this.scheduler.size(), this.leases.size(),
					this.delayed.size(), keyStats);
		}
		finally {
			this.lock.unlock();
		}
	}

	int leaseDeadlineCount() {
		this.lock.lock();
		try {
			return this.leases.deadlineCount();
		}
		finally {
			this.lock.unlock();
		}
	}

	long expiredLeases() {
		this.lock.lock();
		try {
			return this.expiredLeases;
		}
		finally {
			this.lock.unlock();
		}
	}

	void wakeUp() {
		this.scheduler.wakeUp();
	}

	long throttleLimited() {
		return this.throttleLimited;
	}

	void markDeleted() {
		this.lock.lock();
		try {
			this.deleted = true;
			this.scheduler.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void checkNotDeleted() {
		if (this.deleted) {
			throw new QueueNotFoundException(this.name);
		}
	}

	/** Expired leases go back to the head of their key; due retries to its tail. */
	private void applyDeadlines(long now) {
		Entry entry;
		while ((entry = this.leases.pollExpired(now)) != null) {
			entry.key.inFlight--;
			this.scheduler.released(entry.key);
			entry.leaseToken = null;
			this.expiredLeases++;
			addPending(entry, true);
		}
		Entry due;
		while ((due = this.delayed.peek()) != null && due.dueAt - now <= 0) {
			this.delayed.poll();
			due.key.delayed--;
			addPending(due, false);
		}
	}

	private void addPending(Entry entry, boolean atHead) {
		KeyState key = activeKey(entry);
		this.scheduler.add(key, entry, entry.scheduling.weight(), atHead);
	}

	/** Holds a retry or a delayed enqueue until {@code dueAt}, counted as its key's delayed. */
	private void addDelayed(Entry entry, long dueAt) {
		entry.dueAt = dueAt;
		activeKey(entry).delayed++;
		this.delayed.add(entry);
	}

	/** The entry's key state, created or brought back from idle. */
	private KeyState activeKey(Entry entry) {
		KeyState key = entry.key;
		if (key == null || this.keys.get(key.name()) != key) {
			key = this.keys.computeIfAbsent(entry.scheduling.fairnessKey(), KeyState::new);
			entry.key = key;
		}
		if (key.idle) {
			key.idle = false;
			this.idleKeys--;
		}
		return key;
	}

	private @Nullable Entry leasedEntry(LeasedMessage message) {
		Entry entry = this.leases.get(message.leaseToken());
		return (entry != null && entry.id.equals(message.id())) ? entry : null;
	}

	private @Nullable Entry takeLeased(LeasedMessage message) {
		Entry entry = leasedEntry(message);
		if (entry != null) {
			this.leases.take(message.leaseToken());
			entry.key.inFlight--;
			this.scheduler.released(entry.key);
			entry.leaseToken = null;
		}
		return entry;
	}

	/** @return how many fairness keys the queue holds state for (for tests) */
	int keyCount() {
		this.lock.lock();
		try {
			return this.keys.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * An idle key (nothing pending, leased or delayed) keeps its state for when it comes back,
	 * which with many keys is the common case; idle states are swept once there are
	 * {@value #MAX_IDLE_KEYS} of them, which bounds their memory.
	 */
	private void forgetKeyIfIdle(KeyState key) {
		if (!key.idle && !key.hasQueued() && key.inFlight == 0 && key.delayed == 0) {
			key.idle = true;
			if (++this.idleKeys > MAX_IDLE_KEYS) {
				this.keys.values().removeIf((candidate) -> candidate.idle);
				this.idleKeys = 0;
			}
		}
	}

	/** The state of one fairness key. */
	static final class KeyState extends ScheduledKey<Entry> {

		boolean idle;

		int inFlight;

		int delayed;

		KeyState(String name) {
			super(name);
		}

		@Override
		public int inFlight() {
			return this.inFlight;
		}

	}

	/** A stored message. */
	static final class Entry {

		final String id;

		final Map<String, String> headers;

		final byte[] payload;

		final Scheduling scheduling;

		final long enqueuedAtMillis;

		@Nullable KeyState key;

		int attempts;

		/** Its lease token while it is leased. */
		@Nullable String leaseToken;

		long dueAt;

		Entry(String id, Map<String, String> headers, byte[] payload, Scheduling scheduling, long enqueuedAtMillis) {
			this.id = id;
			this.headers = headers;
			this.payload = payload;
			this.scheduling = scheduling;
			this.enqueuedAtMillis = enqueuedAtMillis;
		}

		LeasedMessage toLeased(String queue) {
			return new LeasedMessage(this.id, queue, this.headers, this.payload, this.scheduling.fairnessKey(),
					this.scheduling.weight(), this.scheduling.throttleKeys(), this.attempts,
					Instant.ofEpochMilli(this.enqueuedAtMillis), this.leaseToken, this.scheduling.priority());
		}

		PendingMessage toPending(String queue) {
			return new PendingMessage(this.id, queue, this.headers, this.payload, this.scheduling.fairnessKey(),
					this.scheduling.weight(), this.scheduling.throttleKeys(), this.attempts,
					Instant.ofEpochMilli(this.enqueuedAtMillis), this.scheduling.priority());
		}

		/** A copy for another queue (dead-lettering, redrive): a new delivery history. */
		Entry moved(Map<String, String> headers) {
			return new Entry(this.id, headers, this.payload, this.scheduling, this.enqueuedAtMillis);
		}

	}

}
