package dev.fila.scheduling;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

import org.junit.jupiter.api.Test;

import dev.fila.scheduling.FairScheduler.Readiness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FairSchedulerTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private final FakeClock clock = new FakeClock();

	private final TokenBuckets throttles = new TokenBuckets();

	private final Map<String, TestKey> keys = new HashMap<>();

	private final TestFetcher fetcher = new TestFetcher();

	private FairScheduler<TestKey, Item> scheduler = new FairScheduler<>(1, this.throttles, Item::throttleKeys,
			this.clock, null, Item::priority, Item::enqueuedAtMillis);

	@Test
	void sharesByWeight() throws InterruptedException {
		add("light", 1, 400);
		add("heavy", 3, 400);
		List<Item> served = fetchAll(400, 10);
		assertThat(served.subList(0, 4)).extracting(Item::key).containsExactly("light", "heavy", "heavy", "heavy");
		assertThat(count(served, "heavy")).isEqualTo(300);
		assertThat(count(served, "light")).isEqualTo(100);
		assertThat(this.clock.waits).isEmpty();
	}

	@Test
	void smallWeightsGetTheirShare() throws InterruptedException {
		add("one", 1, 2000);
		add("tenth", 0.1, 2000);
		add("hundredth", 0.01, 2000);
		List<Item> served = fetchAll(1110, 37);
		assertThat(count(served, "one")).isCloseTo(1000, within(2L));
		assertThat(count(served, "tenth")).isCloseTo(100, within(2L));
		assertThat(count(served, "hundredth")).isCloseTo(10, within(2L));
		assertThat(this.clock.waits).isEmpty();
	}

	@Test
	void smallWeightAloneIsServedWithoutWaiting() throws InterruptedException {
		add("tenth", 0.1, 5);
		assertThat(fetch(5, SECOND)).extracting(Item::seq).containsExactly(0, 1, 2, 3, 4);
		assertThat(this.clock.waits).isEmpty();
	}

	@Test
	void itemsOfAKeyComeInOrderAndAGivenBackItemFirst() throws InterruptedException {
		add("a", 1, 3);
		Item first = fetch(1, 0).get(0);
		this.scheduler.add(key("a"), first, 1, true);
		assertThat(fetch(3, 0)).extracting(Item::seq).containsExactly(0, 1, 2);
	}

	@Test
	void throttledKeyDoesNotHoldBackOthers() throws InterruptedException {
		this.throttles.set("t", 1, 1, this.clock.now);
		add("limited", 1, 3, "t");
		add("free", 1, 3);
		List<Item> served = fetch(10, SECOND / 10);
		assertThat(served).extracting(Item::key).containsExactly("limited", "free", "free", "free");
		assertThat(this.fetcher.throttled).isEqualTo(1);
		assertThat(this.scheduler.size()).isEqualTo(2);
	}

	@Test
	void throttledFetchWaitsUntilThePermit() throws InterruptedException {
		this.throttles.set("t", 4, 1, this.clock.now);
		add("a", 1, 3, "t");
		assertThat(fetch(10, 10 * SECOND)).extracting(Item::seq).containsExactly(0);
		long start = this.clock.now;
		assertThat(fetch(10, 10 * SECOND)).extracting(Item::seq).containsExactly(1);
		// One wait, of exactly the time to the next permit at 4 per second; not the whole 10 s.
		assertThat(this.clock.waits).containsExactly(SECOND / 4);
		assertThat(this.clock.now - start).isEqualTo(SECOND / 4);
	}

	@Test
	void takeIgnoresThrottles() {
		this.throttles.set("t", 1, 1, this.clock.now);
		add("a", 1, 3, "t");
		List<Integer> taken = new ArrayList<>();
		Item item;
		while ((item = this.scheduler.take()) != null) {
			taken.add(item.seq());
		}
		assertThat(taken).containsExactly(0, 1, 2);
		assertThat(this.scheduler.size()).isZero();
		assertThat(this.scheduler.isActive(key("a"))).isFalse();
	}

	@Test
	void aPausedKeyKeepsItsItemsAndHoldsBackNoOtherKeyUntilResumed() throws InterruptedException {
		add("paused", 1, 3);
		add("free", 1, 3);
		flow(new QueueFlow(false, Set.of("paused"), Map.of()));
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("free", "free", "free");
		assertThat(this.scheduler.size()).isEqualTo(3);
		add("paused", 1, 1);
		assertThat(fetch(10, 0)).isEmpty();
		flow(QueueFlow.NONE);
		assertThat(fetch(10, 0)).extracting(Item::seq).containsExactly(0, 1, 2, 3);
	}

	@Test
	void aKeyPausedWhileScheduledLeavesAtItsTurn() throws InterruptedException {
		add("a", 1, 2);
		add("b", 1, 2);
		assertThat(fetch(1, 0)).extracting(Item::key).containsExactly("a");
		// Paused while in the ring: taken out when next offered, the others go on.
		flow(new QueueFlow(false, Set.of("a", "b"), Map.of()));
		assertThat(fetch(10, 0)).isEmpty();
		flow(new QueueFlow(false, Set.of("a"), Map.of()));
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("b", "b");
	}

	@Test
	void aPausedQueueHandsOutNothingAndWaitsUntilResumed() throws InterruptedException {
		add("a", 1, 2);
		flow(new QueueFlow(true, Set.of(), Map.of()));
		assertThat(fetch(10, SECOND)).isEmpty();
		assertThat(this.clock.waits).containsExactly(SECOND);
		flow(QueueFlow.NONE);
		assertThat(fetch(10, 0)).extracting(Item::seq).containsExactly(0, 1);
	}

	@Test
	void aWeightOverrideWinsOverAssignedWeightsUntilRemoved() throws InterruptedException {
		flow(new QueueFlow(false, Set.of(), Map.of("light", 3.0)));
		add("light", 1, 400);
		add("heavy", 3, 400);
		List<Item> served = fetchAll(200, 10);
		// Equal weights, turns of 3: the key first in the ring is ahead by at most a turn.
		assertThat(count(served, "light")).isCloseTo(100, within(3L));
		flow(QueueFlow.NONE);
		served = fetchAll(200, 10);
		assertThat(count(served, "heavy")).isCloseTo(150, within(2L));
	}

	@Test
	void aKeyAtItsInFlightLimitIdlesNoWorkerAndComesBackWhenALeaseEnds() throws InterruptedException {
		flow(new QueueFlow(false, Set.of(), Map.of(), 2, Map.of("solo", 1), 0));
		add("busy", 1, 10);
		add("solo", 1, 10);
		add("free", 1, 3);
		// busy stops at 2, solo at 1 (its own limit), free has no key limit beyond the default 2.
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("busy", "solo", "free", "busy", "free");
		assertThat(fetch(10, 0)).isEmpty();
		release("busy");
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("busy");
		release("free");
		release("solo");
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactlyInAnyOrder("solo", "free");
	}

	@Test
	void theQueuesInFlightLimitCapsEveryFetchAndAReleaseWakesAWaitingOne() throws Exception {
		flow(new QueueFlow(false, Set.of(), Map.of(), 0, Map.of(), 3));
		add("a", 1, 10);
		assertThat(fetch(10, 0)).hasSize(3);
		this.clock.realWaits = true;
		CompletableFuture<List<Item>> waiting = CompletableFuture.supplyAsync(() -> fetchUnchecked(10, 10 * SECOND));
		assertThat(this.clock.waiting.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(waiting).isNotDone();
		release("a");
		assertThat(waiting.get(5, TimeUnit.SECONDS)).hasSize(1);
		assertThat(this.clock.timedOut).isZero();
	}

	@Test
	void takeAndClearReachPausedKeys() {
		add("paused", 1, 2);
		add("free", 1, 1);
		flow(new QueueFlow(false, Set.of("paused"), Map.of()));
		List<String> taken = new ArrayList<>();
		Item item;
		while ((item = this.scheduler.take()) != null) {
			taken.add(item.key());
		}
		assertThat(taken).containsExactly("free", "paused", "paused");
		add("paused", 1, 2);
		List<Item> cleared = new ArrayList<>();
		this.scheduler.clear(cleared);
		assertThat(cleared).hasSize(2);
		assertThat(this.scheduler.size()).isZero();
	}

	@Test
	void timeoutIsHonoured() throws InterruptedException {
		long start = this.clock.now;
		assertThat(fetch(1, 3 * SECOND)).isEmpty();
		assertThat(this.clock.now - start).isEqualTo(3 * SECOND);
		assertThat(this.clock.waits).containsExactly(3 * SECOND);
	}

	@Test
	void aWaitEndsAtTheFetchersNextEvent() throws InterruptedException {
		this.fetcher.eventEvery = SECOND;
		assertThat(fetch(1, 3 * SECOND)).isEmpty();
		assertThat(this.clock.waits).containsExactly(SECOND, SECOND, SECOND);
	}

	@Test
	void aShortWaitIsNotASpin() throws InterruptedException {
		assertThat(fetch(1, 10_000)).isEmpty();
		assertThat(this.clock.waits).containsExactly(FairScheduler.MIN_WAIT_NANOS);
	}

	@Test
	void blockingFetchWakesOnAdd() throws Exception {
		this.clock.realWaits = true;
		long start = this.clock.now;
		CompletableFuture<List<Item>> fetched = CompletableFuture.supplyAsync(() -> fetchUnchecked(5, 3600 * SECOND));
		assertThat(this.clock.waiting.await(10, TimeUnit.SECONDS)).isTrue();
		this.scheduler.lock().lock();
		try {
			add("a", 1, 1);
			this.scheduler.signal(1);
		}
		finally {
			this.scheduler.lock().unlock();
		}
		assertThat(fetched.get(10, TimeUnit.SECONDS)).extracting(Item::key).containsExactly("a");
		// Woken by the signal, not by a timeout of the (fake) hour.
		assertThat(this.clock.timedOut).isZero();
		assertThat(this.clock.now).isEqualTo(start);
	}

	@Test
	void wakeUpReturnsAWaitingFetchEmptyHanded() throws Exception {
		this.clock.realWaits = true;
		CompletableFuture<List<Item>> fetched = CompletableFuture.supplyAsync(() -> fetchUnchecked(5, 3600 * SECOND));
		assertThat(this.clock.waiting.await(10, TimeUnit.SECONDS)).isTrue();
		this.scheduler.wakeUp();
		assertThat(fetched.get(10, TimeUnit.SECONDS)).isEmpty();
		assertThat(this.clock.timedOut).isZero();
	}

	@Test
	void leasesExpireByTheClock() throws InterruptedException {
		this.fetcher.leaseNanos = 30 * SECOND;
		add("a", 1, 1);
		assertThat(fetch(1, 0)).extracting(Item::seq).containsExactly(0);
		long start = this.clock.now;
		// Nothing queued: the fetch waits for the lease deadline, then gets the item again.
		assertThat(fetch(1, 60 * SECOND)).extracting(Item::seq).containsExactly(0);
		assertThat(this.clock.now - start).isEqualTo(30 * SECOND);
		assertThat(this.fetcher.expired).isEqualTo(1);
	}

	@Test
	void aKeyAwaitingItsRefillKeepsItsTurn() throws InterruptedException {
		TestRefills refills = new TestRefills();
		this.scheduler = new FairScheduler<>(1, this.throttles, Item::throttleKeys, this.clock, refills);
		TestKey coming = key("coming");
		refills.refilling.put(coming, SECOND / 100);
		this.scheduler.activate(coming);
		add("other", 1, 3);
		this.clock.onAwait = () -> this.scheduler.add(coming, new Item("coming", 0, List.of()), 1, false);
		assertThat(fetch(2, SECOND)).extracting(Item::key).containsExactly("coming", "other");
		assertThat(this.clock.waits).containsExactly(SECOND / 100);
		assertThat(this.scheduler.isActive(coming)).isTrue();
		// No more on its way: it leaves the schedule when next offered with nothing queued.
		refills.refilling.remove(coming);
		assertThat(fetch(5, 0)).extracting(Item::key).containsExactly("other", "other");
		assertThat(this.scheduler.isActive(coming)).isFalse();
		assertThat(refills.dropped).contains(coming);
	}

	/**
	 * A key whose items arrive a few at a time (a broker's prefetch) keeps its share beside
	 * small weights: when it runs dry in the middle of a round its turn waits for the refill,
	 * and the keys behind it gain nothing from the wait (on AMQP they once got a third more).
	 */
	@Test
	void aKeyRefilledInSmallBatchesKeepsItsShareBesideSmallWeights() throws InterruptedException {
		TestRefills refills = new TestRefills();
		this.scheduler = new FairScheduler<>(1, this.throttles, Item::throttleKeys, this.clock, refills);
		TestKey one = key("one");
		int[] source = { 1000 };
		refills.refilling.put(one, SECOND / 1000);
		Runnable push = () -> {
			for (int i = 0; i < 3 && source[0] > 0 && one.queued() < 3; i++) {
				this.scheduler.add(one, new Item("one", 1000 - source[0]--, List.of()), 1, false);
			}
		};
		push.run();
		this.clock.onAwait = push;
		add("tenth", 0.1, 200);
		add("hundredth", 0.01, 20);
		List<Item> served = new ArrayList<>();
		while (served.size() < 1000) {
			served.addAll(fetch(10, SECOND));
		}
		List<Item> shared = served.subList(0, 1000);
		assertThat(count(shared, "one")).isCloseTo(901, within(5L));
		assertThat(count(shared, "tenth")).isCloseTo(90, within(3L));
		assertThat(count(shared, "hundredth")).isCloseTo(9, within(2L));
	}

	@Test
	void aFetchReturnsWhatItHasWhenStopped() throws InterruptedException {
		add("a", 1, 1);
		this.fetcher.readiness = Readiness.STOP;
		assertThat(fetch(1, SECOND)).isEmpty();
		this.fetcher.readiness = Readiness.WAIT;
		assertThat(fetch(1, SECOND)).isEmpty();
		assertThat(this.clock.waits).containsExactly(SECOND);
		this.fetcher.readiness = Readiness.SELECT;
		assertThat(fetch(1, SECOND)).hasSize(1);
	}

	@Test
	void clearGivesBackEverythingQueued() {
		add("a", 1, 2);
		add("b", 1, 1);
		List<Item> cleared = new ArrayList<>();
		this.scheduler.clear(cleared);
		assertThat(cleared).extracting(Item::key).containsExactly("a", "a", "b");
		assertThat(this.scheduler.size()).isZero();
		assertThat(key("a").hasQueued()).isFalse();
		assertThat(this.scheduler.take()).isNull();
	}

	@Test
	void aNewQuantumKeepsTheScheduledKeys() throws InterruptedException {
		add("a", 1, 4);
		add("b", 1, 4);
		this.scheduler.quantum(2);
		assertThat(fetch(8, 0)).extracting(Item::key)
			.containsExactly("a", "a", "b", "b", "a", "a", "b", "b");
	}

	@Test
	void higherLevelsAreServedFirst() throws InterruptedException {
		addAt("low", 0, 3);
		addAt("high", 9, 2);
		addAt("mid", 5, 2);
		assertThat(fetch(7, 0)).extracting(Item::key)
			.containsExactly("high", "high", "mid", "mid", "low", "low", "low");
		assertThat(this.scheduler.size()).isZero();
	}

	@Test
	void withinALevelWeightsHold() throws InterruptedException {
		addAt("low", 0, 10);
		for (int i = 0; i < 40; i++) {
			this.scheduler.add(key("light"), new Item("light", i, List.of(), 4, 0), 1, false);
			this.scheduler.add(key("heavy"), new Item("heavy", i, List.of(), 4, 0), 3, false);
		}
		List<Item> first = fetchAll(40, 7);
		assertThat(count(first, "light")).isEqualTo(10);
		assertThat(count(first, "heavy")).isEqualTo(30);
		assertThat(count(fetchAll(40, 7), "low")).isZero();
		assertThat(fetchAll(10, 7)).extracting(Item::key).containsOnly("low");
	}

	@Test
	void aKeyWithItemsAtTwoLevelsServesTheHigherFirst() throws InterruptedException {
		addAt("a", 0, 2);
		addAt("b", 0, 2);
		addAt("a", 7, 1);
		assertThat(key("a").queued()).isEqualTo(3);
		assertThat(key("a").firstQueued(3)).extracting(Item::priority).containsExactly(7, 0, 0);
		assertThat(fetch(5, 0)).extracting(Item::key).containsExactly("a", "a", "b", "a", "b");
		assertThat(this.scheduler.isActive(key("a"))).isFalse();
	}

	@Test
	void aBlockedHigherLevelIdlesNoWorker() throws InterruptedException {
		this.throttles.set("t", 1, 1, this.clock.now);
		addAt("urgent", 9, 3, "t");
		addAt("paused", 8, 3);
		addAt("normal", 0, 3);
		flow(new QueueFlow(false, Set.of("paused"), Map.of()));
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("urgent", "normal", "normal", "normal");
		flow(QueueFlow.NONE);
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("paused", "paused", "paused");
	}

	@Test
	void takeAndTakeAllAndClearSeeEveryLevel() {
		addAt("a", 0, 1);
		addAt("a", 3, 1);
		addAt("b", 0, 1);
		assertThat(this.scheduler.take()).extracting(Item::priority).isEqualTo(3);
		addAt("a", 6, 1);
		assertThat(this.scheduler.takeAll(key("a"))).extracting(Item::priority).containsExactly(6, 0);
		assertThat(this.scheduler.isActive(key("a"))).isFalse();
		addAt("c", 2, 2);
		List<Item> cleared = new ArrayList<>();
		this.scheduler.clear(cleared);
		assertThat(cleared).extracting(Item::key).containsExactlyInAnyOrder("b", "c", "c");
		assertThat(this.scheduler.size()).isZero();
		assertThat(this.scheduler.take()).isNull();
	}

	@Test
	void aPausedKeyKeepsItsItemsAtEveryLevel() throws InterruptedException {
		addAt("a", 0, 1);
		addAt("a", 5, 1);
		addAt("b", 0, 1);
		flow(new QueueFlow(false, Set.of("a"), Map.of()));
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("b");
		flow(QueueFlow.NONE);
		assertThat(fetch(10, 0)).extracting(Item::priority).containsExactly(5, 0);
	}

	@Test
	void aKeyPausedBeforeItsFirstItemServesItsLevelOnceResumed() throws InterruptedException {
		flow(new QueueFlow(false, Set.of("vip"), Map.of()));
		addAt("vip", 9, 1);
		addAt("normal", 0, 1);
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("normal");
		flow(QueueFlow.NONE);
		assertThat(fetch(10, 0)).extracting(Item::key).containsExactly("vip");
	}

	@Test
	void aKeyWhoseSourceBringsLevelZeroDoesNotHoldAHigherLevelWaitingForARefill() throws InterruptedException {
		TestRefills refills = new TestRefills();
		this.scheduler = new FairScheduler<>(1, this.throttles, Item::throttleKeys, this.clock, refills, Item::priority,
				Item::enqueuedAtMillis);
		TestKey busy = key("busy");
		refills.refilling.put(busy, SECOND / 100);
		this.scheduler.add(busy, new Item("busy", 0, List.of(), 5, 0), 1, false);
		this.scheduler.add(busy, new Item("busy", 1, List.of(), 0, 0), 1, false);
		addAt("other", 0, 2);
		assertThat(fetch(1, 0)).extracting(Item::priority).containsExactly(5);
		// Its level-5 lane ran dry, but its source brings level 0: level 0 is served, not held
		// for a refill at level 5 (its turn at level 0 may wait for one: that is where it comes).
		assertThat(fetch(2, 0)).extracting(Item::key).containsExactlyInAnyOrder("busy", "other");
		assertThat(this.clock.waits).isEmpty();
	}

	@Test
	void agingWorksWithOnlyLevelZeroInUse() throws InterruptedException {
		flow(QueueFlow.NONE.withPriorityAging(100));
		long start = this.clock.currentTimeMillis();
		// Both queued at level 0, "new" first in the round robin.
		this.scheduler.add(key("new"), new Item("new", 0, List.of(), 0, start + 100), 1, false);
		this.scheduler.add(key("old"), new Item("old", 0, List.of(), 0, start), 1, false);
		this.clock.now += 150_000_000L;
		// "old" waited 150 ms (level 1 now), "new" 50 ms.
		assertThat(fetch(1, 0)).extracting(Item::key).containsExactly("old");
	}

	@Test
	void withoutAgingALowerLevelWaitsForTheHigherOnes() throws InterruptedException {
		addAt("low", 0, 1);
		addAt("high", 1, 20);
		this.clock.now += 3600 * SECOND;
		assertThat(fetch(20, 0)).extracting(Item::key).containsOnly("high");
	}

	@Test
	void agingServesAWaitingItemOneLevelHigherPerPeriod() throws InterruptedException {
		flow(QueueFlow.NONE.withPriorityAging(100));
		long start = this.clock.currentTimeMillis();
		this.scheduler.add(key("low"), new Item("low", 0, List.of(), 0, start), 1, false);
		for (int i = 0; i < 20; i++) {
			this.scheduler.add(key("high"), new Item("high", i, List.of(), 2, start), 1, false);
		}
		assertThat(fetch(2, 0)).extracting(Item::key).containsOnly("high");
		// 150 ms: served as level 1, still below the high key's 2.
		this.clock.now += 150_000_000L;
		assertThat(fetch(2, 0)).extracting(Item::key).containsOnly("high");
		// 350 ms: level 3, above every item of the high key (they aged too, but to level 5 at
		// the most, which they reach only when they sit at the head of a lower level: they are
		// at 2 + 3 = 5 now). So the low key waits until it ranks first.
		this.clock.now += 200_000_000L;
		List<Item> served = fetch(20, 0);
		assertThat(served).extracting(Item::key).contains("low");
		assertThat(this.scheduler.size()).isZero();
	}

	@Test
	void agedItemsOvertakeYoungerOnesOfAHigherLevel() throws InterruptedException {
		flow(QueueFlow.NONE.withPriorityAging(100));
		long start = this.clock.currentTimeMillis();
		this.scheduler.add(key("old"), new Item("old", 0, List.of(), 0, start), 1, false);
		this.clock.now += 250_000_000L;
		long later = this.clock.currentTimeMillis();
		for (int i = 0; i < 5; i++) {
			this.scheduler.add(key("young"), new Item("young", i, List.of(), 1, later), 1, false);
		}
		// The old item has waited two periods: level 2, above the young items' 1.
		assertThat(fetch(1, 0)).extracting(Item::key).containsExactly("old");
	}

	@Test
	void agingIsCappedAtTheTopLevel() throws InterruptedException {
		flow(QueueFlow.NONE.withPriorityAging(1));
		long start = this.clock.currentTimeMillis();
		this.scheduler.add(key("old"), new Item("old", 0, List.of(), 0, start - 1_000_000), 1, false);
		this.scheduler.add(key("top"), new Item("top", 0, List.of(), 9, start), 1, false);
		assertThat(fetch(2, 0)).extracting(Item::key).containsExactlyInAnyOrder("old", "top");
		assertThat(QueueFlow.NONE.withPriorityAging(1).effectivePriority(3, Long.MAX_VALUE)).isEqualTo(9);
	}

	private void addAt(String name, int priority, int count, String... throttleKeys) {
		TestKey key = key(name);
		int first = key.queued();
		for (int i = 0; i < count; i++) {
			this.scheduler.add(key, new Item(name, first + i, List.of(throttleKeys), priority, 0), 1, false);
		}
	}

	private void add(String name, double weight, int count, String... throttleKeys) {
		TestKey key = key(name);
		int first = key.queued();
		for (int i = 0; i < count; i++) {
			this.scheduler.add(key, new Item(name, first + i, List.of(throttleKeys)), weight, false);
		}
	}

	/** Ends one lease of a key as an owner does: with the scheduler's lock held. */
	private void release(String name) {
		this.scheduler.lock().lock();
		try {
			key(name).inFlight--;
			this.scheduler.released(key(name));
		}
		finally {
			this.scheduler.lock().unlock();
		}
	}

	/** Applies a flow as an owner does: with the scheduler's lock held. */
	private void flow(QueueFlow flow) {
		this.scheduler.lock().lock();
		try {
			this.scheduler.flow(flow);
		}
		finally {
			this.scheduler.lock().unlock();
		}
	}

	private TestKey key(String name) {
		return this.keys.computeIfAbsent(name, TestKey::new);
	}

	private List<Item> fetch(int max, long maxWaitNanos) throws InterruptedException {
		return this.scheduler.fetch(max, maxWaitNanos, this.fetcher);
	}

	private List<Item> fetchUnchecked(int max, long maxWaitNanos) {
		try {
			return fetch(max, maxWaitNanos);
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private List<Item> fetchAll(int count, int batch) throws InterruptedException {
		List<Item> served = new ArrayList<>();
		while (served.size() < count) {
			served.addAll(fetch(Math.min(batch, count - served.size()), 0));
		}
		return served;
	}

	private static long count(List<Item> items, String key) {
		long count = 0;
		for (Item item : items) {
			if (item.key().equals(key)) {
				count++;
			}
		}
		return count;
	}

	record Item(String key, int seq, List<String> throttleKeys, int priority, long enqueuedAtMillis) {

		Item(String key, int seq, List<String> throttleKeys) {
			this(key, seq, throttleKeys, 0, 0);
		}

	}

	static final class TestKey extends ScheduledKey<Item> {

		int inFlight;

		TestKey(String name) {
			super(name);
		}

		@Override
		public int inFlight() {
			return this.inFlight;
		}

	}

	/** Leases like a driver: an expired lease puts its item back at the head of its key. */
	final class TestFetcher implements FairScheduler.Fetcher<Item, Item> {

		final Leases<Item> leases = new Leases<>();

		Readiness readiness = Readiness.SELECT;

		long leaseNanos = 3600 * SECOND;

		long eventEvery = Long.MAX_VALUE;

		int throttled;

		int expired;

		private int tokens;

		@Override
		public Readiness prepare(long now) {
			Item item;
			while ((item = this.leases.pollExpired(now)) != null) {
				this.expired++;
				FairSchedulerTests.this.scheduler.add(key(item.key()), item, 1, true);
			}
			return this.readiness;
		}

		@Override
		public Item lease(Item item, long now) {
			this.leases.lease(Integer.toString(++this.tokens), item, now + this.leaseNanos);
			key(item.key()).inFlight++;
			return item;
		}

		@Override
		public long inFlight() {
			return FairSchedulerTests.this.keys.values().stream().mapToLong((key) -> key.inFlight).sum();
		}

		@Override
		public long nanosUntilEvent(long now) {
			return Math.min(this.eventEvery, this.leases.nanosUntilNextDeadline(now));
		}

		@Override
		public void throttled() {
			this.throttled++;
		}

	}

	static final class TestRefills implements FairScheduler.Refills<TestKey> {

		final Map<TestKey, Long> refilling = new HashMap<>();

		final List<TestKey> dropped = new ArrayList<>();

		@Override
		public boolean mayRefill(TestKey key) {
			return this.refilling.containsKey(key);
		}

		@Override
		public long refillWait(TestKey key, long now) {
			Long wait = this.refilling.get(key);
			return (wait != null) ? wait : -1;
		}

		@Override
		public void dropped(TestKey key) {
			this.dropped.add(key);
		}

	}

	/**
	 * Time that passes only in waits: a wait that nobody ends moves the clock by its whole
	 * length at once. With {@code realWaits} a wait really blocks until signalled (at most a
	 * few real seconds, after which it counts as timed out).
	 */
	static final class FakeClock implements NanoClock {

		volatile long now = 1_000_000_000L;

		final List<Long> waits = new ArrayList<>();

		final CountDownLatch waiting = new CountDownLatch(1);

		volatile boolean realWaits;

		volatile int timedOut;

		Runnable onAwait = () -> {
		};

		@Override
		public long nanoTime() {
			return this.now;
		}

		@Override
		public long currentTimeMillis() {
			return this.now / 1_000_000;
		}

		@Override
		public void await(Condition condition, long nanos) throws InterruptedException {
			this.waits.add(nanos);
			if (this.realWaits) {
				this.waiting.countDown();
				if (condition.await(5, TimeUnit.SECONDS)) {
					return;
				}
				this.timedOut++;
			}
			this.now += nanos;
			this.onAwait.run();
		}

	}

}
