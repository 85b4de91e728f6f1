package dev.fila.driver.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.fila.core.KeyStats;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageIds;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.DeficitRoundRobin;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;
import dev.fila.scheduling.TokenBuckets;

/**
 * One queue of the memory driver: per fairness key FIFOs scheduled by deficit round robin,
 * leased messages with deadlines, and a delay heap for retries. One lock guards it all;
 * waiting consumers park on a condition and wake on enqueue, on the next lease deadline or
 * retry due time, or when a throttle permits again. No timer thread is needed: deadlines are
 * applied whenever the queue is touched.
 */
final class MemoryQueue {

	private final String name;

	private final String driverName;

	private final TokenBuckets throttles;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final Map<String, KeyState> keys = new HashMap<>();

	private final Map<String, Entry> leased = new HashMap<>();

	private final PriorityQueue<LeaseDeadline> leaseDeadlines = new PriorityQueue<>(
			Comparator.comparingLong(LeaseDeadline::deadline));

	private final PriorityQueue<Entry> delayed = new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.dueAt));

	private volatile QueueSpec spec;

	private DeficitRoundRobin<KeyState> drr;

	private long pending;

	private long leaseSequence;

	private long expiredLeases;

	/** Selections in which a throttle held a message back; written under the lock. */
	private volatile long throttleLimited;

	private boolean deleted;

	private long wakeUps;

	private int idleKeys;

	/** Most idle fairness key states kept for reuse. */
	static final int MAX_IDLE_KEYS = 1 << 17;

	/** Written by {@link #tryServe}: the shortest wait for a throttle permit in this selection. */
	private long throttleWait;

	MemoryQueue(QueueSpec spec, String driverName, TokenBuckets throttles) {
		this.spec = spec;
		this.name = spec.name();
		this.driverName = driverName;
		this.throttles = throttles;
		this.drr = new DeficitRoundRobin<>(spec.quantum());
	}

	String name() {
		return this.name;
	}

	QueueSpec spec() {
		return this.spec;
	}

	void update(QueueSpec spec) {
		this.lock.lock();
		try {
			if (spec.quantum() != this.spec.quantum()) {
				DeficitRoundRobin<KeyState> rebuilt = new DeficitRoundRobin<>(spec.quantum());
				this.keys.values()
					.stream()
					.filter((key) -> this.drr.isActive(key))
					.forEach((key) -> rebuilt.activate(key, key.weight));
				this.drr = rebuilt;
			}
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
			for (OutgoingMessage message : messages) {
				Entry entry = new Entry(MessageIds.next(), message.headers(), message.payload(), message.scheduling(),
						now);
				addPending(entry, false);
				ids.add(entry.id);
			}
			signalWaiters(messages.size());
		}
		finally {
			this.lock.unlock();
		}
		return ids;
	}

	/** Wakes as many waiting consumers as there are new messages, not all of them. */
	private void signalWaiters(int messages) {
		if (messages == 1) {
			this.changed.signal();
		}
		else {
			this.changed.signalAll();
		}
	}

	/** Adds messages moved from another queue (redrive, dead-lettering), keeping ids. */
	void enqueueEntries(List<Entry> entries) {
		this.lock.lock();
		try {
			checkNotDeleted();
			for (Entry entry : entries) {
				addPending(entry, false);
			}
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	List<LeasedMessage> fetch(int max, Duration maxWait) throws InterruptedException {
		long deadline = System.nanoTime() + maxWait.toNanos();
		this.lock.lockInterruptibly();
		try {
			long wakeUpsSeen = this.wakeUps;
			while (true) {
				checkNotDeleted();
				long now = System.nanoTime();
				applyDeadlines(now);
				List<LeasedMessage> selected = select(max, now);
				if (!selected.isEmpty() || now - deadline >= 0 || this.wakeUps != wakeUpsSeen) {
					return selected;
				}
				long wait = deadline - now;
				wait = Math.min(wait, this.throttleWait);
				LeaseDeadline nextLease = this.leaseDeadlines.peek();
				if (nextLease != null) {
					wait = Math.min(wait, nextLease.deadline - now);
				}
				Entry nextDelayed = this.delayed.peek();
				if (nextDelayed != null) {
					wait = Math.min(wait, nextDelayed.dueAt - now);
				}
				this.changed.awaitNanos(Math.max(wait, TimeUnit.MICROSECONDS.toNanos(100)));
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private List<LeasedMessage> select(int max, long now) {
		this.throttleWait = Long.MAX_VALUE;
		List<LeasedMessage> selected = new ArrayList<>(Math.min(max, 16));
		long leaseNanos = this.spec.visibilityTimeout().toNanos();
		while (selected.size() < max) {
			Entry entry = this.drr.next(this::tryServe);
			if (entry == null) {
				break;
			}
			KeyState key = entry.key;
			this.pending--;
			if (key.pending.isEmpty()) {
				this.drr.deactivate(key);
			}
			key.inFlight++;
			entry.attempts++;
			entry.leaseToken = ++this.leaseSequence;
			entry.leaseDeadline = now + leaseNanos;
			this.leased.put(entry.id, entry);
			this.leaseDeadlines.add(new LeaseDeadline(entry.leaseDeadline, entry, entry.leaseToken));
			selected.add(entry.toLeased(this.name));
		}
		if (this.throttleWait != Long.MAX_VALUE) {
			this.throttleLimited++;
		}
		return selected;
	}

	private @Nullable Entry tryServe(KeyState key) {
		Entry head = key.pending.peekFirst();
		if (head == null) {
			return null;
		}
		List<String> throttleKeys = head.scheduling.throttleKeys();
		if (!throttleKeys.isEmpty()) {
			long wait = this.throttles.tryAcquireAll(throttleKeys, System.nanoTime());
			if (wait > 0) {
				this.throttleWait = Math.min(this.throttleWait, wait);
				return null;
			}
		}
		key.pending.pollFirst();
		return head;
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
				entry.dueAt = System.nanoTime() + delayNanos;
				entry.key.delayed++;
				this.delayed.add(entry);
			}
			this.changed.signal();
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
			this.changed.signal();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean extendLease(LeasedMessage message, Duration duration) {
		this.lock.lock();
		try {
			Entry entry = leasedEntry(message);
			if (entry == null) {
				return false;
			}
			entry.leaseDeadline = System.nanoTime() + duration.toNanos();
			this.leaseDeadlines.add(new LeaseDeadline(entry.leaseDeadline, entry, entry.leaseToken));
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Takes up to {@code count} pending messages out of the queue, in scheduling order. */
	List<Entry> drain(int count) {
		this.lock.lock();
		try {
			applyDeadlines(System.nanoTime());
			List<Entry> drained = new ArrayList<>();
			while (drained.size() < count) {
				Entry entry = this.drr.next((candidate) -> candidate.pending.pollFirst());
				if (entry == null) {
					break;
				}
				KeyState key = entry.key;
				this.pending--;
				if (key.pending.isEmpty()) {
					this.drr.deactivate(key);
				}
				forgetKeyIfIdle(key);
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
			long removed = this.pending + this.delayed.size();
			this.delayed.clear();
			this.pending = 0;
			this.drr = new DeficitRoundRobin<>(this.spec.quantum());
			this.keys.values().removeIf((key) -> {
				key.pending.clear();
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

	QueueStats stats() {
		this.lock.lock();
		try {
			applyDeadlines(System.nanoTime());
			List<KeyStats> keyStats = new ArrayList<>(this.keys.size());
			for (KeyState key : this.keys.values()) {
				if (key.idle) {
					continue;
				}
				keyStats.add(new KeyStats(key.name, key.pending.size(), key.inFlight, key.delayed, key.weight));
			}
			keyStats.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
			return new QueueStats(this.name, this.driverName, this.pending, this.leased.size(), this.delayed.size(),
					keyStats);
		}
		finally {
			this.lock.unlock();
		}
	}

	int leaseDeadlineCount() {
		this.lock.lock();
		try {
			return this.leaseDeadlines.size();
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
		this.lock.lock();
		try {
			this.wakeUps++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	long throttleLimited() {
		return this.throttleLimited;
	}

	void markDeleted() {
		this.lock.lock();
		try {
			this.deleted = true;
			this.changed.signalAll();
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
		LeaseDeadline lease;
		while ((lease = this.leaseDeadlines.peek()) != null && lease.deadline - now <= 0) {
			this.leaseDeadlines.poll();
			Entry entry = lease.entry;
			if (entry.leaseToken == lease.token && entry.leaseDeadline == lease.deadline
					&& this.leased.get(entry.id) == entry) {
				this.leased.remove(entry.id);
				entry.key.inFlight--;
				entry.leaseToken = 0;
				this.expiredLeases++;
				addPending(entry, true);
			}
		}
		Entry due;
		while ((due = this.delayed.peek()) != null && due.dueAt - now <= 0) {
			this.delayed.poll();
			due.key.delayed--;
			addPending(due, false);
		}
	}

	private void addPending(Entry entry, boolean atHead) {
		KeyState key = entry.key;
		if (key == null || this.keys.get(key.name) != key) {
			key = this.keys.computeIfAbsent(entry.scheduling.fairnessKey(), KeyState::new);
			entry.key = key;
		}
		if (key.idle) {
			key.idle = false;
			this.idleKeys--;
		}
		key.weight = entry.scheduling.weight();
		if (atHead) {
			key.pending.addFirst(entry);
		}
		else {
			key.pending.addLast(entry);
		}
		this.drr.activate(key, key.weight);
		this.pending++;
	}

	private @Nullable Entry leasedEntry(LeasedMessage message) {
		Entry entry = this.leased.get(message.id());
		if (entry == null || entry.leaseToken != parseToken(message.leaseToken())) {
			return null;
		}
		return entry;
	}

	private static long parseToken(String token) {
		try {
			return Long.parseLong(token);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private @Nullable Entry takeLeased(LeasedMessage message) {
		Entry entry = leasedEntry(message);
		if (entry != null) {
			this.leased.remove(entry.id);
			entry.key.inFlight--;
			entry.leaseToken = 0;
			compactLeaseDeadlines();
		}
		return entry;
	}

	/**
	 * Settled leases leave their deadline in the heap until it passes (removal from the middle
	 * of a heap is linear). So that they do not pile up (with their payloads) for a whole
	 * visibility timeout under load, the heap is rebuilt from the live leases whenever it holds
	 * four times as many deadlines: amortized constant time per settle.
	 */
	private void compactLeaseDeadlines() {
		int size = this.leaseDeadlines.size();
		if (size > 1024 && size > 4 * this.leased.size()) {
			this.leaseDeadlines.clear();
			for (Entry live : this.leased.values()) {
				this.leaseDeadlines.add(new LeaseDeadline(live.leaseDeadline, live, live.leaseToken));
			}
		}
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
		if (!key.idle && key.pending.isEmpty() && key.inFlight == 0 && key.delayed == 0) {
			key.idle = true;
			if (++this.idleKeys > MAX_IDLE_KEYS) {
				this.keys.values().removeIf((candidate) -> candidate.idle);
				this.idleKeys = 0;
			}
		}
	}

	/** The state of one fairness key. */
	static final class KeyState {

		final String name;

		final ArrayDeque<Entry> pending = new ArrayDeque<>(2);

		boolean idle;

		double weight = 1;

		int inFlight;

		int delayed;

		KeyState(String name) {
			this.name = name;
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

		long leaseToken;

		long leaseDeadline;

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
					Instant.ofEpochMilli(this.enqueuedAtMillis), Long.toString(this.leaseToken));
		}

		/** A copy for another queue (dead-lettering, redrive): a new delivery history. */
		Entry moved(Map<String, String> headers) {
			return new Entry(this.id, headers, this.payload, this.scheduling, this.enqueuedAtMillis);
		}

	}

	private record LeaseDeadline(long deadline, Entry entry, long token) {
	}

}
