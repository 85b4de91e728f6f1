package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import org.jspecify.annotations.Nullable;

/**
 * An in-process scheduler: items queued per fairness key, handed out by deficit round robin
 * across the keys, skipping items whose throttles have no permit, to consumers that block until
 * something can be handed out or their wait runs out. An operator's {@link QueueFlow} pauses
 * the whole queue or some keys (a paused key leaves the round robin with its items, which
 * stay queued, until it is resumed) and overrides keys' weights.
 * <p>
 * Items have a priority level, 0 to 9: each level has its own round robin, and a higher level
 * is served before a lower one (a key with items at two levels is in both). With priority
 * aging, an item that waited that long moves one level up per period (see {@link #select}).
 * <p>
 * Its lock guards it and whatever else its owner (a driver's queue) keeps: the owner takes
 * {@link #lock()} around its own operations, and calls every method but {@link #fetch} and
 * {@link #wakeUp} with it held. The owner keeps its keys (subclasses of {@link ScheduledKey}, so that a
 * key's queue and its owner's state are one object) and decides when a key is forgotten.
 * Items are never copied or wrapped: the scheduler allocates nothing per item.
 *
 * @param <K> the key type
 * @param <E> the item type
 */
public final class FairScheduler<K extends ScheduledKey<E>, E> {

	/** The shortest wait of a fetch, so that a wait just short of a deadline does not spin. */
	static final long MIN_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

	private static final long NONE = Long.MAX_VALUE;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final NanoClock clock;

	private final Throttles throttles;

	private final Function<E, List<String>> throttleKeys;

	private final @Nullable Refills<K> refills;

	private final ToIntFunction<E> priorityOf;

	private final ItemAges<E> ages;

	/** Keys offered with nothing queued in the current call of a level's DRR (only with refills). */
	private final List<K> drained = new ArrayList<>();

	/** A round robin per priority level; level 0 always, the others once an item needs them. */
	private final PriorityLevels<K, E> levels;

	/** When priority aging last moved items up, in {@link NanoClock#currentTimeMillis()}. */
	private long agedAtMillis;

	private QueueFlow flow = QueueFlow.NONE;

	/** Keys taken out of the round robin with their items: paused, or at their in-flight limit. */
	private final Set<K> parked = new LinkedHashSet<>();

	private long size;

	private long wakeUps;

	/** The shortest wait for a throttle permit in the current selection, or {@link #NONE}. */
	private long throttleWait;

	/** The shortest wait for a key's refill in the current selection, or {@link #NONE}. */
	private long refillWait;

	/**
	 * @param quantum the DRR quantum, positive
	 * @param throttles where permits of the throttle keys come from
	 * @param throttleKeys an item's throttle keys
	 * @param clock the time source
	 * @param refills keys that may stay scheduled with nothing queued, or {@code null} when a
	 * key leaves the schedule as soon as its queue is empty
	 */
	public FairScheduler(double quantum, Throttles throttles, Function<E, List<String>> throttleKeys,
			NanoClock clock, @Nullable Refills<K> refills) {
		this(quantum, throttles, throttleKeys, clock, refills, (item) -> Scheduling.MIN_PRIORITY, (item) -> 0);
	}

	/**
	 * @param quantum the DRR quantum, positive
	 * @param throttles where permits of the throttle keys come from
	 * @param throttleKeys an item's throttle keys
	 * @param clock the time source
	 * @param refills keys that may stay scheduled with nothing queued, or {@code null} when a
	 * key leaves the schedule as soon as its queue is empty
	 * @param priorityOf an item's priority level, 0 to 9
	 * @param ages when an item was enqueued, for priority aging
	 */
	public FairScheduler(double quantum, Throttles throttles, Function<E, List<String>> throttleKeys,
			NanoClock clock, @Nullable Refills<K> refills, ToIntFunction<E> priorityOf, ItemAges<E> ages) {
		this.levels = new PriorityLevels<>(quantum, this::serve);
		this.throttles = throttles;
		this.throttleKeys = throttleKeys;
		this.clock = clock;
		this.refills = refills;
		this.priorityOf = priorityOf;
		this.ages = ages;
	}

	/**
	 * @return the lock guarding the scheduler and its owner's state
	 */
	public ReentrantLock lock() {
		return this.lock;
	}

	/**
	 * @return the time source
	 */
	public NanoClock clock() {
		return this.clock;
	}

	/**
	 * Queues an item and schedules its key. Wakes no one: see {@link #signal}.
	 * @param key the item's key
	 * @param item the item
	 * @param weight the key's weight from now on, positive
	 * @param atHead whether it goes before the key's other items (a lease given back)
	 */
	public void add(K key, E item, double weight, boolean atHead) {
		key.weight = weight;
		int level = levelOf(item, (this.flow.priorityAgingMillis() > 0) ? this.clock.currentTimeMillis() : 0);
		ArrayDeque<E> lane = key.lane(level);
		if (atHead) {
			lane.addFirst(item);
		}
		else {
			lane.addLast(item);
			// What arrives next from the owner's source most likely comes at the same level.
			key.refillLevel = level;
		}
		schedule(key, level);
		this.size++;
	}

	/** The level an item is served at now: its priority, raised by aging. */
	private int levelOf(E item, long nowMillis) {
		int priority = this.priorityOf.applyAsInt(item);
		if (this.flow.priorityAgingMillis() <= 0) {
			return Math.max(Scheduling.MIN_PRIORITY, Math.min(Scheduling.MAX_PRIORITY, priority));
		}
		return this.flow.effectivePriority(Math.max(Scheduling.MIN_PRIORITY, Math.min(Scheduling.MAX_PRIORITY, priority)),
				nowMillis - this.ages.enqueuedAtMillis(item));
	}

	private DeficitRoundRobin<K> drr(int level) {
		return this.levels.drr(level);
	}

	/**
	 * Puts a key into the round robin of a level with its effective weight, or parks it when it
	 * cannot serve.
	 */
	private void schedule(K key, int level) {
		if (mayServe(key)) {
			if (!this.parked.isEmpty()) {
				this.parked.remove(key);
			}
			drr(level).activate(key, this.flow.weight(key.name(), key.weight));
		}
		else {
			this.parked.add(key);
		}
	}

	/**
	 * Puts a key that may serve into the round robin of every level it has items at; where it
	 * was suspended, its turn goes on.
	 */
	private void activateLanes(K key) {
		double weight = this.flow.weight(key.name(), key.weight);
		// Every level, not only those with a round robin yet: a key parked as its first item came
		// holds items at levels no key was scheduled at.
		for (int level = 0; level <= Scheduling.MAX_PRIORITY; level++) {
			if (key.hasQueuedAt(level) || mayRefillAt(key, level)) {
				drr(level).activate(key, weight);
			}
			else if (this.levels.at(level) != null) {
				drr(level).deactivate(key);
			}
		}
	}

	/**
	 * Parks a key that must not be served now (paused, at its in-flight limit): out of every
	 * level's round robin, each keeping its turn and credits for when it comes back.
	 */
	private void park(K key) {
		this.levels.suspend(key);
		this.parked.add(key);
	}

	/** Whether the flow lets a key serve now: not paused and below its in-flight limit. */
	private boolean mayServe(K key) {
		if (this.flow.isKeyPaused(key.name())) {
			return false;
		}
		int limit = this.flow.limitOf(key.name());
		return limit <= 0 || key.inFlight() < limit;
	}

	/**
	 * Tells the scheduler that a lease of the key ended (acked, failed, given back or expired):
	 * a key parked at its in-flight limit comes back, and with a queue limit a waiting fetch
	 * looks again. Does nothing without limits.
	 * @param key the key whose in-flight count went down
	 */
	public void released(K key) {
		if (!this.flow.limited()) {
			return;
		}
		if (this.parked.contains(key) && mayServe(key)) {
			this.parked.remove(key);
			activateLanes(key);
		}
		this.changed.signal();
	}

	/**
	 * Schedules a key with nothing queued, whose items are on their way (see {@link Refills}).
	 * @param key the key
	 */
	public void activate(K key) {
		schedule(key, key.refillLevel);
	}

	/**
	 * Whether a key whose items at a level ran out stays scheduled there for more: only at the
	 * level its latest item arrived at, so a key whose source brings level-0 items does not hold
	 * a higher level waiting for a refill that will not come there.
	 */
	private boolean mayRefillAt(K key, int level) {
		return this.refills != null && key.refillLevel == level && this.refills.mayRefill(key);
	}

	/**
	 * @param key a key
	 * @return whether it is scheduled, or held out of the round robin (paused or at its
	 * in-flight limit): either way its owner must not forget it
	 */
	public boolean isActive(K key) {
		return this.levels.schedules(key) || (!this.parked.isEmpty() && this.parked.contains(key));
	}

	/**
	 * @return the number of items queued
	 */
	public long size() {
		return this.size;
	}

	/**
	 * Changes the DRR quantum; scheduled keys stay, in their order, with their turns reset.
	 * @param quantum the new quantum, positive
	 */
	public void quantum(double quantum) {
		this.levels.quantum(quantum, (key) -> this.flow.weight(key.name(), key.weight));
	}

	/**
	 * Takes the next item in DRR order, throttles ignored (moving items elsewhere).
	 * @return the item, or {@code null} when nothing is queued
	 */
	public @Nullable E take() {
		for (int level = this.levels.top(); level >= 0; level--) {
			PriorityLevels.Level<K, E> lane = this.levels.at(level);
			if (lane != null && lane.drr.size() > 0) {
				E item = lane.drr.next(lane.plainServer);
				dropDrained(level);
				if (item != null) {
					return item;
				}
			}
		}
		for (K key : this.parked) {
			E item = key.pollHighest();
			if (item != null) {
				this.size--;
				return item;
			}
		}
		return null;
	}

	/**
	 * Takes every queued item of one key out of the scheduler (the key's messages go elsewhere
	 * while it is paused).
	 * @param key the key
	 * @return its items, in order
	 */
	public List<E> takeAll(K key) {
		List<E> items = key.firstQueued(Integer.MAX_VALUE);
		key.clearQueued();
		this.size -= items.size();
		this.levels.deactivate(key);
		this.parked.remove(key);
		return items;
	}

	/**
	 * Takes the queued items of one key that match, keeping the others in order.
	 * @param key the key
	 * @param which the items to take
	 * @return the items taken, in order
	 */
	public List<E> takeMatching(K key, Predicate<E> which) {
		List<E> taken = new ArrayList<>();
		for (int level = Scheduling.MAX_PRIORITY; level >= 0; level--) {
			ArrayDeque<E> lane = key.laneIfAny(level);
			if (lane == null || lane.isEmpty()) {
				continue;
			}
			Iterator<E> items = lane.iterator();
			while (items.hasNext()) {
				E item = items.next();
				if (which.test(item)) {
					items.remove();
					taken.add(item);
				}
			}
			if (lane.isEmpty() && level > 0 && this.levels.at(level) != null) {
				drr(level).deactivate(key);
			}
		}
		this.size -= taken.size();
		if (!key.hasQueued() && (this.refills == null || !this.refills.mayRefill(key))) {
			this.levels.deactivate(key);
			this.parked.remove(key);
		}
		return taken;
	}

	/**
	 * Applies an operator's pauses and weight overrides: keys paused now leave the round robin,
	 * keys resumed come back (at its tail), active keys take their new weights, and waiting
	 * fetches look again.
	 * @param flow the queue's flow control state
	 */
	public void flow(QueueFlow flow) {
		this.flow = flow;
		for (int level = 0; level <= this.levels.top(); level++) {
			for (K key : this.levels.keysAt(level)) {
				if (!mayServe(key)) {
					park(key);
				}
				else {
					drr(level).activate(key, flow.weight(key.name(), key.weight));
				}
			}
		}
		List<K> resumed = new ArrayList<>();
		for (K key : this.parked) {
			if (mayServe(key)) {
				resumed.add(key);
			}
		}
		for (K key : resumed) {
			this.parked.remove(key);
			activateLanes(key);
		}
		this.changed.signalAll();
	}

	/**
	 * {@link #flow(QueueFlow)} for an owner that does not hold the lock: takes it.
	 * @param flow the queue's flow control state
	 */
	public void applyFlow(QueueFlow flow) {
		this.lock.lock();
		try {
			flow(flow);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** @return the queue's flow control state */
	public QueueFlow flow() {
		return this.flow;
	}

	/**
	 * Empties every key's queue and unschedules every key.
	 * @param into receives the items, key by key, or {@code null} to drop them
	 */
	public void clear(@Nullable Collection<? super E> into) {
		Set<K> keys = new LinkedHashSet<>();
		this.levels.clear(keys);
		keys.addAll(this.parked);
		for (K key : keys) {
			if (into != null) {
				into.addAll(key.firstQueued(Integer.MAX_VALUE));
			}
			key.clearQueued();
		}
		this.parked.clear();
		this.size = 0;
	}

	/**
	 * Wakes waiting fetches for new items: one for one item, all for more.
	 * @param items how many items were added
	 */
	public void signal(int items) {
		if (items == 1) {
			this.changed.signal();
		}
		else {
			this.changed.signalAll();
		}
	}

	/** Wakes every waiting fetch, to look again (something else changed). */
	public void signalAll() {
		this.changed.signalAll();
	}

	/** Makes every waiting fetch return what it has now, even nothing. Takes the lock. */
	public void wakeUp() {
		this.lock.lock();
		try {
			this.wakeUps++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Hands out up to {@code max} items, waiting up to {@code maxWaitNanos} for the first. Waits
	 * until an item is added, a throttle permits, a refill is due, the fetcher's next event (for
	 * example a lease deadline) or {@link #wakeUp}. A partial batch returns at once, unless a
	 * key whose turn it is awaits a refill (see {@link Refills}).
	 * @param <R> what the fetcher makes of a handed-out item
	 * @param max the most items to hand out, positive
	 * @param maxWaitNanos the longest wait
	 * @param fetcher the owner's part: prepares each selection and leases what is handed out
	 * @return what the fetcher made of the items handed out, possibly none
	 * @throws InterruptedException when the thread is interrupted
	 */
	public <R> List<R> fetch(int max, long maxWaitNanos, Fetcher<E, R> fetcher) throws InterruptedException {
		long deadline = this.clock.nanoTime() + maxWaitNanos;
		this.lock.lockInterruptibly();
		try {
			long wakeUpsSeen = this.wakeUps;
			List<R> selected = new ArrayList<>(Math.min(max, 16));
			while (true) {
				long now = this.clock.nanoTime();
				Readiness readiness = fetcher.prepare(now);
				if (readiness == Readiness.STOP) {
					return selected;
				}
				this.throttleWait = NONE;
				this.refillWait = NONE;
				if (readiness == Readiness.SELECT && !this.flow.paused()) {
					select(roomFor(max, fetcher), now, selected, fetcher);
				}
				boolean refilling = this.refillWait != NONE;
				if (selected.size() >= max || (!selected.isEmpty() && !refilling) || now - deadline >= 0
						|| this.wakeUps != wakeUpsSeen) {
					return selected;
				}
				long wait = Math.min(deadline - now, Math.min(this.throttleWait, this.refillWait));
				wait = Math.min(wait, fetcher.nanosUntilEvent(now));
				this.clock.await(this.changed, Math.max(wait, MIN_WAIT_NANOS));
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The most a fetch may hand out under the queue's in-flight limit (what it holds counts already). */
	private int roomFor(int max, Fetcher<E, ?> fetcher) {
		int limit = this.flow.maxInFlight();
		if (limit <= 0) {
			return max;
		}
		return (int) Math.max(0, Math.min(max, limit - fetcher.inFlight()));
	}

	/**
	 * Hands out items, level by level from the highest: a level is served until none of its
	 * keys can serve (empty, throttled, paused, at a limit), then the next one down. So a
	 * blocked high level idles no worker that a lower one could use.
	 */
	private <R> void select(int max, long now, List<R> selected, Fetcher<E, R> fetcher) {
		if (this.flow.priorityAgingMillis() > 0) {
			promoteAged();
		}
		for (int level = this.levels.top(); level >= 0 && selected.size() < max; level--) {
			PriorityLevels.Level<K, E> lane = this.levels.at(level);
			if (lane == null || lane.drr.size() == 0) {
				continue;
			}
			while (selected.size() < max) {
				if (this.refills != null) {
					K head = lane.drr.head();
					if (head != null && !head.hasQueuedAt(level) && head.refillLevel == level && mayServe(head)) {
						long wait = this.refills.refillWait(head, now);
						if (wait >= 0) {
							// Its turn has come and its items are on their way: wait rather than
							// skip it (nor serve a lower level meanwhile), or a consumer faster
							// than the source would get the source's order.
							this.refillWait = wait;
							break;
						}
					}
				}
				E item = lane.drr.next(lane.throttledServer);
				dropDrained(level);
				if (item == null) {
					break;
				}
				selected.add(fetcher.lease(item, now));
			}
			if (this.refillWait != NONE) {
				break;
			}
		}
		if (this.throttleWait != NONE) {
			fetcher.throttled();
		}
	}

	/**
	 * Priority aging: moves items that waited long enough to the level they are now served at,
	 * at the tail of their key's queue there. Looks at the head of each key's queue of each
	 * level below the top (the oldest there), at most ten times per aging period: a cost per
	 * scheduled key, paid only by queues with aging and more than one level.
	 */
	private void promoteAged() {
		long now = this.clock.currentTimeMillis();
		long every = Math.max(1, Math.min(1000, this.flow.priorityAgingMillis() / 10));
		if (now - this.agedAtMillis < every) {
			return;
		}
		this.agedAtMillis = now;
		Set<K> keys = new LinkedHashSet<>(this.parked);
		this.levels.keysBelow(Scheduling.MAX_PRIORITY, keys);
		for (K key : keys) {
			boolean parked = this.parked.contains(key);
			for (int level = 0; level < Scheduling.MAX_PRIORITY; level++) {
				ArrayDeque<E> lane = key.laneIfAny(level);
				E head;
				boolean moved = false;
				while (lane != null && (head = lane.peekFirst()) != null) {
					int target = levelOf(head, now);
					if (target <= level) {
						break;
					}
					lane.pollFirst();
					key.lane(target).addLast(head);
					if (!parked) {
						drr(target).activate(key, this.flow.weight(key.name(), key.weight));
					}
					moved = true;
				}
				if (moved && lane.isEmpty() && !parked && !mayRefillAt(key, level)) {
					drr(level).deactivate(key);
				}
			}
		}
	}

	/** A level's DRR server: one item of the key at that level, if it has one and its throttles permit. */
	private @Nullable E serve(K key, int level, boolean throttled) {
		if (throttled && !mayServe(key)) {
			// Paused, or at its in-flight limit, since it was scheduled: out of the round robin
			// until resumed or released. take() (moving items elsewhere) ignores both.
			park(key);
			return null;
		}
		ArrayDeque<E> lane = key.laneIfAny(level);
		E head = (lane != null) ? lane.peekFirst() : null;
		if (head == null) {
			if (this.refills != null && key.refillLevel == level) {
				// Its items at this level ran out and more may be on their way (see Refills).
				this.drained.add(key);
				long now = this.clock.nanoTime();
				long wait = this.refills.refillWait(key, now);
				if (wait >= 0) {
					// Keys of small weights must not skip rounds ahead of it, and the fetch waits.
					drr(level).hold();
					this.refillWait = Math.min(this.refillWait, wait);
				}
			}
			else {
				drr(level).deactivate(key);
			}
			return null;
		}
		if (throttled) {
			List<String> keys = this.throttleKeys.apply(head);
			if (!keys.isEmpty()) {
				long wait = this.throttles.tryAcquireAll(keys, this.clock.nanoTime());
				if (wait > 0) {
					this.throttleWait = Math.min(this.throttleWait, wait);
					return null;
				}
			}
		}
		lane.pollFirst();
		this.size--;
		if (lane.isEmpty() && !mayRefillAt(key, level)) {
			drr(level).deactivate(key);
		}
		return head;
	}

	/**
	 * Unschedules, from a level, keys that were offered there with nothing queued and no refill
	 * on its way; a key left nowhere is reported dropped.
	 */
	private void dropDrained(int level) {
		Refills<K> refills = this.refills;
		if (this.drained.isEmpty() || refills == null) {
			return;
		}
		for (int i = 0; i < this.drained.size(); i++) {
			K key = this.drained.get(i);
			if (!key.hasQueuedAt(level) && !mayRefillAt(key, level)) {
				drr(level).deactivate(key);
				if (!isActive(key)) {
					refills.dropped(key);
				}
			}
		}
		this.drained.clear();
	}

	/**
	 * When items were enqueued, for priority aging.
	 *
	 * @param <E> the item type
	 */
	@FunctionalInterface
	public interface ItemAges<E> {

		/**
		 * @param item an item
		 * @return when it was enqueued, in milliseconds since the epoch
		 */
		long enqueuedAtMillis(E item);

	}

	/** What a fetch does at each look, as {@link Fetcher#prepare} decides. */
	public enum Readiness {

		/** Hand out what can be. */
		SELECT,

		/** Hand out nothing yet, but wait (items are not ready to be handed out). */
		WAIT,

		/** Return what was handed out so far. */
		STOP

	}

	/**
	 * The owner's part of a {@link #fetch}, called with the lock held.
	 *
	 * @param <E> the item type
	 * @param <R> what an item handed out becomes
	 */
	public interface Fetcher<E, R> {

		/**
		 * Called before each look: applies what time brought (for example expired leases).
		 * @param now the current time
		 * @return whether to select, only wait or return; may throw to fail the fetch
		 */
		Readiness prepare(long now);

		/**
		 * Leases an item handed out.
		 * @param item the item
		 * @param now the time of the selection
		 * @return what the fetch returns for it
		 */
		R lease(E item, long now);

		/**
		 * @param now the current time
		 * @return nanoseconds until something the owner expects may make items available (a
		 * lease deadline, a retry due), {@link Long#MAX_VALUE} for nothing
		 */
		default long nanosUntilEvent(long now) {
			return Long.MAX_VALUE;
		}

		/** Called once per look in which a throttle held an item back. */
		default void throttled() {
		}

		/** @return how many items of the queue are leased now, for the queue's in-flight limit */
		default long inFlight() {
			return 0;
		}

	}

	/**
	 * Keys whose items arrive from elsewhere in batches (a broker's prefetch): a key whose queue
	 * ran empty may stay scheduled while more of it is on its way, so that its turn is waited
	 * for rather than skipped.
	 *
	 * @param <K> the key type
	 */
	public interface Refills<K> {

		/**
		 * A cheap check, after a key's last queued item was handed out.
		 * @param key a key with nothing queued
		 * @return whether it stays scheduled for items that may come
		 */
		boolean mayRefill(K key);

		/**
		 * @param key a key with nothing queued, whose turn it is
		 * @param now the current time
		 * @return nanoseconds until its refill is expected, or a negative number when none is
		 * coming (it then leaves the schedule unless {@link #mayRefill} says otherwise)
		 */
		long refillWait(K key, long now);

		/**
		 * Called when a key left the schedule with nothing queued.
		 * @param key the key
		 */
		void dropped(K key);

	}

}
