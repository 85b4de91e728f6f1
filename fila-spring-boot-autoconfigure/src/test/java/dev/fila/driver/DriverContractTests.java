package dev.fila.driver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fila.core.FilaHeaders;
import dev.fila.core.KeyStats;
import dev.fila.core.MessageTooLargeException;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

/**
 * The behaviour every driver keeps (contract section 6). Each driver's tests extend this
 * class and provide the driver; queue names are unique per test and deleted afterwards.
 */
public abstract class DriverContractTests {

	private static final Duration SHORT_WAIT = Duration.ofMillis(50);

	private static final Duration WAIT = Duration.ofSeconds(2);

	protected FilaDriver driver;

	private final List<String> created = new ArrayList<>();

	/** @return a new driver, connected to its backend */
	protected abstract FilaDriver createDriver();

	@BeforeEach
	void setUpDriver() {
		this.driver = createDriver();
	}

	@AfterEach
	void tearDownDriver() {
		for (String queue : this.created) {
			this.driver.deleteQueue(queue);
			this.driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
		}
		this.driver.close();
		afterDriverClosed();
	}

	/** Releases what {@link #createDriver()} needed, after the queues are gone and the driver is closed. */
	protected void afterDriverClosed() {
	}

	protected String createQueue(Duration visibilityTimeout) {
		String name = "contract-" + UUID.randomUUID();
		this.created.add(name);
		this.driver.createQueue(new QueueSpec(name, visibilityTimeout, 1, true));
		return name;
	}

	protected String createQueue() {
		return createQueue(Duration.ofSeconds(30));
	}

	protected static OutgoingMessage message(String payload, String key) {
		return message(payload, key, 1, List.of());
	}

	protected static OutgoingMessage message(String payload, String key, double weight, List<String> throttleKeys) {
		return new OutgoingMessage(Map.of("h", payload), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling(key, weight, throttleKeys));
	}

	protected LeasedMessage fetchOne(String queue) throws InterruptedException {
		List<LeasedMessage> fetched = this.driver.fetch(queue, 1, WAIT);
		assertThat(fetched).as("a message from %s", queue).hasSize(1);
		return fetched.get(0);
	}

	private static String text(LeasedMessage message) {
		return new String(message.payload(), StandardCharsets.UTF_8);
	}

	@Test
	void enqueueThenFetchReturnsPayloadHeadersSchedulingAndFirstAttempt() throws Exception {
		String queue = createQueue();
		List<String> ids = this.driver.enqueue(queue,
				List.of(new OutgoingMessage(Map.of("a", "1", "b", "2"), new byte[] { 1, 2, 3 },
						new Scheduling("tenant-a", 3, List.of("t1")))));
		LeasedMessage message = fetchOne(queue);
		assertThat(message.id()).isEqualTo(ids.get(0));
		assertThat(message.queue()).isEqualTo(queue);
		assertThat(message.payload()).containsExactly(1, 2, 3);
		assertThat(message.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
		assertThat(message.fairnessKey()).isEqualTo("tenant-a");
		assertThat(message.weight()).isEqualTo(3);
		assertThat(message.throttleKeys()).containsExactly("t1");
		assertThat(message.attempts()).isEqualTo(1);
		assertThat(message.enqueuedAt()).isCloseTo(java.time.Instant.now(), within(10, java.time.temporal.ChronoUnit.SECONDS));
	}

	@Test
	void batchEnqueueReturnsIdsInOrderAndKeepsFifoWithinAKey() throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			batch.add(message("m" + i, "k"));
		}
		List<String> ids = this.driver.enqueue(queue, batch);
		assertThat(ids).hasSize(20).doesNotHaveDuplicates();
		List<String> delivered = new ArrayList<>();
		while (delivered.size() < 20) {
			for (LeasedMessage message : this.driver.fetch(queue, 7, WAIT)) {
				delivered.add(message.id());
				assertThat(this.driver.ack(message)).isTrue();
			}
		}
		assertThat(delivered).containsExactlyElementsOf(ids);
	}

	@Test
	void fetchWaitsAndReturnsEmptyWhenNothingIsDeliverable() throws Exception {
		String queue = createQueue();
		assertThat(this.driver.fetch(queue, 10, SHORT_WAIT)).isEmpty();
	}

	@Test
	void waitingFetchWakesUpWhenAMessageArrives() throws Exception {
		String queue = createQueue();
		CompletableFuture<List<LeasedMessage>> waiting = CompletableFuture.supplyAsync(() -> {
			try {
				return this.driver.fetch(queue, 1, Duration.ofSeconds(10));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		Thread.sleep(100);
		this.driver.enqueue(queue, List.of(message("late", "k")));
		assertThat(waiting.get(8, TimeUnit.SECONDS)).hasSize(1);
	}

	@Test
	void wakeUpMakesAWaitingFetchReturn() throws Exception {
		String queue = createQueue();
		CompletableFuture<List<LeasedMessage>> waiting = CompletableFuture.supplyAsync(() -> {
			try {
				return this.driver.fetch(queue, 1, Duration.ofSeconds(30));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		Thread.sleep(200);
		this.driver.wakeUp(queue);
		assertThat(waiting.get(10, TimeUnit.SECONDS)).isEmpty();
	}

	@Test
	void ackRemovesTheMessage() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("x", "k")));
		LeasedMessage message = fetchOne(queue);
		assertThat(this.driver.stats(queue).inFlight()).isEqualTo(1);
		assertThat(this.driver.ack(message)).isTrue();
		QueueStats stats = this.driver.stats(queue);
		assertThat(stats.total()).isZero();
		assertThat(this.driver.fetch(queue, 1, SHORT_WAIT)).isEmpty();
	}

	@Test
	void ackAllRemovesEveryMessageAndReportsEachLease() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("a", "k1"), message("b", "k2"), message("c", "k1")));
		List<LeasedMessage> fetched = this.driver.fetch(queue, 3, WAIT);
		assertThat(fetched).hasSize(3);
		assertThat(this.driver.ack(fetched.get(2))).isTrue();
		boolean[] acked = this.driver.ackAll(List.of(fetched.get(0), fetched.get(1), fetched.get(0), fetched.get(2)));
		assertThat(acked).as("settled once each; the third was acked before").containsExactly(true, true, false, false);
		QueueStats stats = this.driver.stats(queue);
		assertThat(stats.total()).isZero();
		assertThat(stats.keys()).allSatisfy((key) -> assertThat(key.inFlight()).isZero());
		assertThat(this.driver.fetch(queue, 1, SHORT_WAIT)).isEmpty();
	}

	/**
	 * Acks sent with a fetch are settled before it leases: the fetch gets the next message, never
	 * one it acks; each ack's outcome is told, in order (a repeat and an ack of a message acked
	 * before are lease losses).
	 */
	@Test
	void ackAndFetchSettlesTheAcksThenLeasesWhatIsNext() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("a", "k1"), message("b", "k2"), message("c", "k1")));
		List<LeasedMessage> fetched = this.driver.fetch(queue, 3, WAIT);
		assertThat(fetched).hasSize(3);
		assertThat(this.driver.ack(fetched.get(2))).isTrue();
		this.driver.enqueue(queue, List.of(message("d", "k1")));
		List<boolean[]> told = new ArrayList<>();
		List<LeasedMessage> next = this.driver.ackAndFetch(
				List.of(fetched.get(0), fetched.get(1), fetched.get(0), fetched.get(2)), told::add, queue, 10, WAIT);
		assertThat(told).hasSize(1);
		assertThat(told.get(0)).containsExactly(true, true, false, false);
		assertThat(next).extracting(DriverContractTests::text).containsExactly("d");
		assertThat(this.driver.stats(queue).total()).isEqualTo(1);
		assertThat(this.driver.ack(next.get(0))).isTrue();
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	/**
	 * The outcomes of the acks are told as soon as they are known: a fetch that then waits for
	 * messages does not hold them back.
	 */
	@Test
	void ackAndFetchTellsTheOutcomesBeforeItWaits() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("x", "k")));
		LeasedMessage x = fetchOne(queue);
		CompletableFuture<boolean[]> told = new CompletableFuture<>();
		CompletableFuture<List<LeasedMessage>> fetch = CompletableFuture.supplyAsync(() -> {
			try {
				return this.driver.ackAndFetch(List.of(x), told::complete, queue, 1, Duration.ofSeconds(20));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(told.get(10, TimeUnit.SECONDS)).containsExactly(true);
		assertThat(fetch).as("still waiting for a message").isNotDone();
		this.driver.enqueue(queue, List.of(message("y", "k")));
		List<LeasedMessage> next = fetch.get(10, TimeUnit.SECONDS);
		assertThat(next).extracting(DriverContractTests::text).containsExactly("y");
		assertThat(this.driver.ack(next.get(0))).isTrue();
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	@Test
	void fairnessDeliversAQuietKeyEarlyBehindANoisyBacklog() throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			batch.add(message("email-" + i, "email"));
		}
		this.driver.enqueue(queue, batch);
		List<OutgoingMessage> sms = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			sms.add(message("sms-" + i, "sms"));
		}
		this.driver.enqueue(queue, sms);
		int smsSeen = 0;
		for (int delivery = 1; delivery <= 30; delivery++) {
			LeasedMessage message = fetchOne(queue);
			if (message.fairnessKey().equals("sms")) {
				smsSeen++;
			}
			this.driver.ack(message);
		}
		assertThat(smsSeen).as("sms messages within the first 30 deliveries").isEqualTo(10);
	}

	@Test
	void weightedKeysShareDeliveriesInProportionToTheirWeights() throws Exception {
		String queue = createQueue();
		for (int weight = 1; weight <= 5; weight++) {
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < 2000; i++) {
				batch.add(message("w" + weight, "key-" + weight, weight, List.of()));
			}
			this.driver.enqueue(queue, batch);
		}
		Map<String, Integer> delivered = new HashMap<>();
		int total = 0;
		while (total < 5000) {
			for (LeasedMessage message : this.driver.fetch(queue, Math.min(10, 5000 - total), WAIT)) {
				delivered.merge(message.fairnessKey(), 1, Integer::sum);
				this.driver.ack(message);
				total++;
			}
		}
		for (int weight = 1; weight <= 5; weight++) {
			double share = delivered.getOrDefault("key-" + weight, 0) * 100.0 / total;
			double expected = weight * 100.0 / 15;
			assertThat(share).as("share of key-%d in percent", weight).isCloseTo(expected, within(2.0));
		}
	}

	/**
	 * Any positive weight delivers at once, even when every key with a backlog earns less than
	 * one credit per round ({@code quantum * weight < 1}): no fetch waits out its wait.
	 */
	@ParameterizedTest
	@ValueSource(doubles = { 0.1, 0.01 })
	void keyWithASmallWeightAloneDeliversWithoutWaitingOutFetches(double weight) throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			batch.add(message("small-" + i, "small", weight, List.of()));
		}
		this.driver.enqueue(queue, batch);
		long start = System.nanoTime();
		for (int i = 0; i < 20; i++) {
			LeasedMessage message = fetchOne(queue);
			assertThat(text(message)).isEqualTo("small-" + i);
			this.driver.ack(message);
		}
		// Generous: a fetch that waited out its wait would take 2 s, twenty of them 40 s.
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
	}

	/**
	 * Small weights beside weight 1 get proportional shares, and once the weight 1 key runs dry
	 * the small ones go on delivering at once, still in proportion.
	 */
	@Test
	void smallWeightsBesideWeightOneShareInProportionAndDeliverPromptlyWhenAlone() throws Exception {
		String queue = createQueue();
		Map<String, Double> weights = Map.of("one", 1.0, "tenth", 0.1, "hundredth", 0.01);
		Map<String, Integer> counts = Map.of("one", 1000, "tenth", 200, "hundredth", 20);
		for (String key : List.of("one", "tenth", "hundredth")) {
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < counts.get(key); i++) {
				batch.add(message(key + "-" + i, key, weights.get(key), List.of()));
			}
			this.driver.enqueue(queue, batch);
		}
		List<String> served = new ArrayList<>();
		while (served.size() < 1220) {
			List<LeasedMessage> fetched = this.driver.fetch(queue, 10, WAIT);
			assertThat(fetched).as("a fetch after %d deliveries", served.size()).isNotEmpty();
			fetched.forEach((message) -> served.add(message.fairnessKey()));
			this.driver.ackAll(fetched);
		}
		// While all three have a backlog (about 1110 deliveries): 1000 : 100 : 10. The window is
		// a fifth of the contract's 5,000, so the tolerance is wider than its 2 points. On AMQP a
		// key refilled by RabbitMQ mid-round once lost its rounds (12.5% for 'tenth'): see
		// FairSchedulerTests#aKeyRefilledInSmallBatchesKeepsItsShareBesideSmallWeights.
		List<String> shared = served.subList(0, 1000);
		double tolerance = smallWeightShareTolerance();
		assertThat(percent(shared, "one")).as("share of 'one' in percent").isCloseTo(100 / 1.11, within(tolerance + 1));
		assertThat(percent(shared, "tenth")).as("share of 'tenth' in percent").isCloseTo(10 / 1.11, within(tolerance));
		assertThat(percent(shared, "hundredth")).as("share of 'hundredth' in percent")
			.isCloseTo(1 / 1.11, within(1.0));
		assertThat(served).hasSize(1220);
	}

	/**
	 * @return how many percentage points the share of the weight-0.1 key may miss by over the
	 * 1,000 deliveries of the small-weights test (the weight-1 key one more)
	 */
	protected double smallWeightShareTolerance() {
		return 3.0;
	}

	private static double percent(List<String> keys, String key) {
		return keys.stream().filter(key::equals).count() * 100.0 / keys.size();
	}

	@Test
	void aDelayedEnqueueIsDeliveredAfterItsDelayAndCountsAsDelayedMeanwhile() throws Exception {
		String queue = createQueue();
		long start = System.nanoTime();
		OutgoingMessage later = new OutgoingMessage(MessageIds.next(), Map.of("h", "later"),
				"later".getBytes(StandardCharsets.UTF_8), new Scheduling("k", 1, List.of()), Duration.ofMillis(1200));
		List<String> ids = this.driver.enqueue(queue, List.of(later, message("now", "k")));
		assertThat(ids).containsExactly(later.id(), ids.get(1));
		LeasedMessage now = fetchOne(queue);
		assertThat(text(now)).isEqualTo("now");
		this.driver.ack(now);
		QueueStats stats = this.driver.stats(queue);
		assertThat(stats.delayed()).isEqualTo(1);
		assertThat(stats.pending()).isZero();
		assertThat(this.driver.fetch(queue, 1, Duration.ofMillis(300))).isEmpty();
		List<LeasedMessage> fetched = List.of();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (fetched.isEmpty() && System.nanoTime() < deadline) {
			fetched = this.driver.fetch(queue, 1, WAIT);
		}
		long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
		assertThat(fetched).hasSize(1);
		LeasedMessage delivered = fetched.get(0);
		assertThat(delivered.id()).isEqualTo(later.id());
		assertThat(delivered.headers()).containsEntry("h", "later");
		assertThat(delivered.attempts()).isEqualTo(1);
		assertThat(elapsedMillis).as("milliseconds from enqueue to delivery").isGreaterThanOrEqualTo(1200);
		this.driver.ack(delivered);
		assertThat(this.driver.stats(queue).delayed()).isZero();
	}

	@Test
	void aDelayedMessageTakesItsFairTurnOnceDue() throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			batch.add(message("busy" + i, "busy"));
		}
		batch.add(new OutgoingMessage(MessageIds.next(), Map.of(), "quiet".getBytes(StandardCharsets.UTF_8),
				new Scheduling("quiet", 1, List.of()), Duration.ofMillis(300)));
		this.driver.enqueue(queue, batch);
		LeasedMessage first = fetchOne(queue);
		assertThat(first.fairnessKey()).isEqualTo("busy");
		this.driver.ack(first);
		Thread.sleep(1000);
		List<String> keys = new ArrayList<>();
		while (keys.size() < 10 && !keys.contains("quiet")) {
			LeasedMessage next = fetchOne(queue);
			keys.add(next.fairnessKey());
			this.driver.ack(next);
		}
		assertThat(keys).as("keys served once the delayed message was due").contains("quiet");
	}

	/** Fetches until a fetch of {@code wait} brings nothing; acks all; returns their keys in order. */
	protected static OutgoingMessage message(String payload, String key, int priority) {
		return new OutgoingMessage(Map.of("h", payload), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling(key, 1, List.of(), priority));
	}

	/**
	 * @return whether the broker pushes messages to the instances, which order only what they
	 * hold (RabbitMQ): then a test of the order of delivery lets the messages arrive first, and a
	 * key's message of a higher priority does not overtake that key's messages still in the
	 * broker (it delivers a key's queue in order)
	 */
	protected boolean brokerPushesMessages() {
		return false;
	}

	/**
	 * A queue whose consumer runs, as an application's would: a driver whose broker pushes
	 * messages receives them from the enqueue on (see {@link #brokerPushesMessages}).
	 */
	private String createConsumedQueue() throws InterruptedException {
		String queue = createQueue();
		assertThat(this.driver.fetch(queue, 1, Duration.ofMillis(1))).isEmpty();
		return queue;
	}

	/** Called after an enqueue whose order of delivery a test checks (see {@link #brokerPushesMessages}). */
	private void awaitReceived(String queue) throws InterruptedException {
		if (brokerPushesMessages()) {
			Thread.sleep(500);
		}
	}

	@Test
	void higherPrioritiesAreDeliveredFirstAndWeightsHoldWithinALevel() throws Exception {
		String queue = createConsumedQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			batch.add(message("b" + i, "bulk", 0));
		}
		for (int i = 0; i < 4; i++) {
			batch.add(message("m" + i, "mid", 5));
			batch.add(message("u" + i, "urgent", 9));
		}
		for (int i = 0; i < 30; i++) {
			batch.add(new OutgoingMessage(Map.of(), new byte[0], new Scheduling("heavy", 3, List.of(), 2)));
			batch.add(new OutgoingMessage(Map.of(), new byte[0], new Scheduling("light", 1, List.of(), 2)));
		}
		this.driver.enqueue(queue, batch);
		awaitReceived(queue);
		List<String> keys = drain(queue, Duration.ofMillis(500));
		assertThat(keys).hasSize(88);
		assertThat(keys.subList(0, 8)).containsExactly("urgent", "urgent", "urgent", "urgent", "mid", "mid", "mid",
				"mid");
		List<String> level2 = keys.subList(8, 48);
		assertThat(level2).containsOnly("heavy", "light");
		assertThat(percent(level2, "heavy")).as("heavy share at level 2, in %").isCloseTo(75, within(8.0));
		assertThat(keys.subList(68, 88)).containsOnly("bulk");
	}

	@Test
	void aKeysUrgentMessageOvertakesItsOwnBacklog() throws Exception {
		if (brokerPushesMessages()) {
			// RabbitMQ's own test: AmqpPriorityQueuesIntegrationTests.
			return;
		}
		String queue = createConsumedQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			batch.add(message("b" + i, "tenant", 0));
		}
		batch.add(message("urgent", "tenant", 9));
		this.driver.enqueue(queue, batch);
		LeasedMessage first = fetchOne(queue);
		assertThat(text(first)).isEqualTo("urgent");
		assertThat(first.priority()).isEqualTo(9);
		// A retried message keeps its level.
		this.driver.nack(first, FailureDecision.retry(Duration.ZERO), "again");
		assertThat(text(fetchOne(queue))).isEqualTo("urgent");
	}

	@Test
	void keysThatHitTheirInFlightLimitStillGetTheShareOfTheirWeight() throws Exception {
		String queue = createConsumedQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 2, Map.of(), 0));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5 * 240; i++) {
			batch.add(new OutgoingMessage(Map.of(), new byte[0], new Scheduling("w" + (i % 5 + 1), i % 5 + 1, List.of())));
		}
		this.driver.enqueue(queue, batch);
		awaitReceived(queue);
		// Leases of 4 with a limit of 2 per key: the heavier keys hit their limit in every turn.
		List<String> keys = new ArrayList<>();
		while (keys.size() < 450) {
			List<LeasedMessage> leased = this.driver.fetch(queue, 4, WAIT);
			assertThat(leased).isNotEmpty();
			leased.forEach((message) -> keys.add(message.fairnessKey()));
			this.driver.ackAll(leased);
		}
		List<String> window = keys.subList(0, 450);
		for (int w = 1; w <= 5; w++) {
			assertThat(percent(window, "w" + w)).as("share of weight %d, in %%", w).isCloseTo(100.0 * w / 15, within(2.0));
		}
	}

	@Test
	void aKeyOfASmallWeightAtItsLimitIsServedAgainOnceALeaseEnds() throws Exception {
		String queue = createConsumedQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 1, Map.of(), 0));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			batch.add(new OutgoingMessage(Map.of(), new byte[0], new Scheduling("small", 0.5, List.of())));
		}
		this.driver.enqueue(queue, batch);
		awaitReceived(queue);
		for (int i = 0; i < 4; i++) {
			List<LeasedMessage> leased = this.driver.fetch(queue, 2, Duration.ofMillis(800));
			assertThat(leased).as("fetch %d", i).hasSize(1);
			this.driver.ack(leased.get(0));
		}
	}

	@Test
	void aDeadLetterKeepsItsPriorityThroughRedrive() throws Exception {
		String queue = createConsumedQueue();
		this.driver.enqueue(queue, List.of(message("u", "k", 7)));
		this.driver.nack(fetchOne(queue), FailureDecision.deadLetter(), "failed");
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		if (supportsPeek()) {
			assertThat(this.driver.peek(dlq, 10)).extracting(PendingMessage::priority).containsExactly(7);
		}
		assertThat(this.driver.redrive(dlq, 10)).isEqualTo(1);
		assertThat(fetchOne(queue).priority()).isEqualTo(7);
	}

	@Test
	void aMessageThatWaitedAgesIntoAHigherLevel() throws Exception {
		String queue = createConsumedQueue();
		this.driver.applyFlow(queue, QueueFlow.NONE.withPriorityAging(200));
		this.driver.enqueue(queue, List.of(message("old", "patient", 0)));
		Thread.sleep(700);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("y" + i, "eager", 2));
		}
		this.driver.enqueue(queue, batch);
		awaitReceived(queue);
		// 700 ms at 200 ms per level: level 3, above the newer messages' 2.
		List<String> keys = drain(queue, Duration.ofMillis(500));
		assertThat(keys).hasSize(6);
		assertThat(keys.get(0)).isEqualTo("patient");
	}

	@Test
	void withoutAgingALowerPriorityWaitsWhileHigherOnesAreDeliverable() throws Exception {
		String queue = createConsumedQueue();
		this.driver.enqueue(queue, List.of(message("low", "low", 0)));
		Thread.sleep(300);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("h" + i, "high", 1));
		}
		this.driver.enqueue(queue, batch);
		awaitReceived(queue);
		List<String> keys = drain(queue, Duration.ofMillis(500));
		assertThat(keys).containsExactly("high", "high", "high", "high", "high", "low");
	}

	@Test
	void aPausedKeyAtAHighPriorityLetsLowerOnesFlow() throws Exception {
		String queue = createConsumedQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of("vip"), Map.of()));
		this.driver.enqueue(queue, List.of(message("v", "vip", 9), message("n", "normal", 0)));
		awaitReceived(queue);
		assertThat(drain(queue, Duration.ofMillis(500))).containsExactly("normal");
		this.driver.applyFlow(queue, QueueFlow.NONE);
		assertThat(drain(queue, Duration.ofMillis(500))).containsExactly("vip");
	}

	private List<String> drain(String queue, Duration wait) throws InterruptedException {
		List<String> keys = new ArrayList<>();
		List<LeasedMessage> fetched;
		while (!(fetched = this.driver.fetch(queue, 10, wait)).isEmpty()) {
			for (LeasedMessage message : fetched) {
				keys.add(message.fairnessKey());
				this.driver.ack(message);
			}
		}
		return keys;
	}

	@Test
	void aPausedKeyWaitsWhileOtherKeysFlowAndDeliversOnceResumed() throws Exception {
		String queue = createQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of("paused"), Map.of()));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			batch.add(message("p" + i, "paused"));
			batch.add(message("f" + i, "free"));
		}
		this.driver.enqueue(queue, batch);
		assertThat(drain(queue, Duration.ofMillis(500))).containsExactly("free", "free", "free");
		assertThat(this.driver.stats(queue).pending()).isEqualTo(3);
		this.driver.applyFlow(queue, QueueFlow.NONE);
		assertThat(drain(queue, Duration.ofMillis(500))).containsExactly("paused", "paused", "paused");
	}

	@Test
	void aPausedQueueAcceptsMessagesAndDeliversNoneUntilResumed() throws Exception {
		String queue = createQueue();
		this.driver.applyFlow(queue, new QueueFlow(true, Set.of(), Map.of()));
		this.driver.enqueue(queue, List.of(message("a", "k1"), message("b", "k2")));
		assertThat(this.driver.fetch(queue, 10, Duration.ofMillis(500))).isEmpty();
		assertThat(this.driver.stats(queue).pending()).isEqualTo(2);
		this.driver.applyFlow(queue, QueueFlow.NONE);
		assertThat(drain(queue, Duration.ofMillis(500))).containsExactlyInAnyOrder("k1", "k2");
	}

	@Test
	void aWeightOverrideWinsOverTheHooksWeight() throws Exception {
		String queue = createQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of("boosted", 3.0)));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			batch.add(message("b" + i, "boosted"));
			batch.add(message("p" + i, "plain"));
		}
		this.driver.enqueue(queue, batch);
		List<String> keys = new ArrayList<>();
		while (keys.size() < 120) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, WAIT)) {
				keys.add(message.fairnessKey());
				this.driver.ack(message);
			}
		}
		assertThat(percent(keys.subList(0, 120), "boosted")).as("boosted share, in %").isCloseTo(75, within(8.0));
	}

	@Test
	void throttleNeverDeliversMoreThanBurstPlusRateTimesTime() throws Exception {
		String queue = createQueue();
		String throttle = "contract-throttle-" + UUID.randomUUID();
		this.driver.setThrottle(throttle, 20, 1);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			batch.add(message("t" + i, "k" + (i % 4), 1, List.of(throttle)));
		}
		this.driver.enqueue(queue, batch);
		long start = System.nanoTime();
		int delivered = 0;
		while (delivered < 40) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofSeconds(5))) {
				this.driver.ack(message);
				delivered++;
			}
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		assertThat(seconds).as("seconds to deliver 40 messages at 20/s with burst 1").isGreaterThanOrEqualTo(1.9);
	}

	@Test
	void availablePermitsShowAFullBucketThenWhatWasTaken() throws Exception {
		String queue = createQueue();
		String throttle = "contract-permits-" + UUID.randomUUID();
		assertThat(this.driver.availablePermits(throttle)).isNaN();
		this.driver.setThrottle(throttle, 0.01, 5);
		assertThat(this.driver.availablePermits(throttle)).isCloseTo(5, within(0.01));
		this.driver.enqueue(queue,
				List.of(message("a", "k", 1, List.of(throttle)), message("b", "k", 1, List.of(throttle))));
		int fetched = 0;
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (fetched < 2 && System.nanoTime() < deadline) {
			fetched += this.driver.fetch(queue, 2, SHORT_WAIT).size();
		}
		assertThat(fetched).isEqualTo(2);
		assertThat(this.driver.availablePermits(throttle)).isCloseTo(3, within(0.05));
	}

	@Test
	void throttledKeyDoesNotBlockOtherKeys() throws Exception {
		String queue = createQueue();
		String throttle = "contract-slow-" + UUID.randomUUID();
		this.driver.setThrottle(throttle, 0.1, 1);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("slow" + i, "slow", 1, List.of(throttle)));
			batch.add(message("fast" + i, "fast"));
		}
		this.driver.enqueue(queue, batch);
		List<String> keys = new ArrayList<>();
		List<LeasedMessage> fetched;
		while (!(fetched = this.driver.fetch(queue, 10, Duration.ofMillis(300))).isEmpty()) {
			for (LeasedMessage message : fetched) {
				keys.add(message.fairnessKey());
				this.driver.ack(message);
			}
		}
		assertThat(keys).filteredOn("fast"::equals).hasSize(5);
		assertThat(keys).filteredOn("slow"::equals).hasSize(1);
		assertThat(this.driver.stats(queue).pending()).isEqualTo(4);
	}

	@Test
	void expiredLeaseRedeliversWithTheNextAttempt() throws Exception {
		String queue = createQueue(Duration.ofMillis(300));
		this.driver.enqueue(queue, List.of(message("lost", "k")));
		LeasedMessage first = fetchOne(queue);
		assertThat(first.attempts()).isEqualTo(1);
		LeasedMessage second = fetchOne(queue);
		assertThat(second.id()).isEqualTo(first.id());
		assertThat(second.attempts()).isEqualTo(2);
		assertThat(this.driver.ack(first)).as("ack with the expired lease").isFalse();
		assertThat(this.driver.ack(second)).isTrue();
	}

	@Test
	void extendedLeaseKeepsTheMessageInvisible() throws Exception {
		String queue = createQueue(Duration.ofMillis(400));
		this.driver.enqueue(queue, List.of(message("slow", "k")));
		LeasedMessage message = fetchOne(queue);
		for (int i = 0; i < 5; i++) {
			Thread.sleep(200);
			assertThat(this.driver.extendLease(message, Duration.ofMillis(400))).isTrue();
		}
		assertThat(this.driver.fetch(queue, 1, SHORT_WAIT)).isEmpty();
		assertThat(this.driver.ack(message)).isTrue();
	}

	@Test
	void extendLeasesExtendsManyInOneCallAndReportsEachInOrder() throws Exception {
		String queue = createQueue(Duration.ofMillis(600));
		this.driver.enqueue(queue, List.of(message("a", "k"), message("b", "k"), message("c", "k")));
		List<LeasedMessage> leased = this.driver.fetch(queue, 3, WAIT);
		assertThat(leased).hasSize(3);
		assertThat(this.driver.ack(leased.get(1))).isTrue();
		for (int i = 0; i < 4; i++) {
			Thread.sleep(300);
			assertThat(this.driver.extendLeases(leased, Duration.ofMillis(600))).containsExactly(true, false, true);
		}
		assertThat(this.driver.fetch(queue, 1, SHORT_WAIT)).as("leases held past their first expiry").isEmpty();
		assertThat(this.driver.ackAll(List.of(leased.get(0), leased.get(2)))).containsExactly(true, true);
	}

	@Test
	void aRetryDelayOverTheMaximumKeepsTheMessageDelayed() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("far", "k")));
		LeasedMessage first = fetchOne(queue);
		assertThat(this.driver.nack(first, FailureDecision.retry(Duration.ofDays(10_000)), "later")).isTrue();
		assertThat(this.driver.stats(queue).delayed()).isEqualTo(1);
		assertThat(this.driver.stats(queue).total()).isEqualTo(1);
	}

	@Test
	void retryWithDelayRedeliversOnlyAfterTheDelay() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("retry", "k")));
		LeasedMessage first = fetchOne(queue);
		assertThat(this.driver.nack(first, FailureDecision.retry(Duration.ofMillis(700)), "boom")).isTrue();
		assertThat(this.driver.stats(queue).delayed()).isEqualTo(1);
		assertThat(this.driver.fetch(queue, 1, Duration.ofMillis(200))).isEmpty();
		LeasedMessage second = fetchOne(queue);
		assertThat(second.id()).isEqualTo(first.id());
		assertThat(second.attempts()).isEqualTo(2);
		assertThat(second.headers()).isEqualTo(first.headers());
	}

	@Test
	void retryWithoutDelayRedeliversAtOnce() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("retry", "k")));
		LeasedMessage first = fetchOne(queue);
		this.driver.nack(first, FailureDecision.retry(Duration.ZERO), "boom");
		assertThat(fetchOne(queue).attempts()).isEqualTo(2);
	}

	@Test
	void deadLetterMovesTheMessageWithErrorHeaders() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(new OutgoingMessage(Map.of("tenant", "acme"), "poison".getBytes(),
				new Scheduling("acme", 2, List.of()))));
		LeasedMessage message = fetchOne(queue);
		assertThat(this.driver.nack(message, FailureDecision.deadLetter(), "cannot parse")).isTrue();
		assertThat(this.driver.stats(queue).total()).isZero();
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		assertThat(this.driver.listQueues()).contains(queue, dlq);
		LeasedMessage dead = fetchOne(dlq);
		assertThat(dead.payload()).isEqualTo("poison".getBytes());
		assertThat(dead.headers()).containsEntry("tenant", "acme")
			.containsEntry(FilaHeaders.ATTEMPTS, "1")
			.containsEntry(FilaHeaders.ERROR, "cannot parse")
			.containsEntry(FilaHeaders.SOURCE_QUEUE, queue);
		assertThat(dead.fairnessKey()).isEqualTo("acme");
	}

	/**
	 * @return a second instance of the driver on the same backend (another application
	 * instance), or {@code null} when its in-flight limits hold per instance only; the test
	 * closes it
	 */
	protected @Nullable FilaDriver createSharingInstance() {
		return null;
	}

	/** Fetches without acking until a fetch brings nothing; returns what was leased. */
	private List<LeasedMessage> leaseAll(FilaDriver from, String queue) throws InterruptedException {
		List<LeasedMessage> leased = new ArrayList<>();
		List<LeasedMessage> fetched;
		while (!(fetched = from.fetch(queue, 10, Duration.ofMillis(300))).isEmpty()) {
			leased.addAll(fetched);
		}
		return leased;
	}

	private static long countOf(List<LeasedMessage> messages, String key) {
		return messages.stream().filter((message) -> message.fairnessKey().equals(key)).count();
	}

	@Test
	void aKeyAtItsInFlightLimitWaitsForAnAckWhileOtherKeysAreServed() throws Exception {
		String queue = createQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 2, Map.of("solo", 1), 0));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			batch.add(message("a" + i, "busy"));
			batch.add(message("s" + i, "solo"));
		}
		batch.add(message("f", "free"));
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> leased = leaseAll(this.driver, queue);
		assertThat(countOf(leased, "busy")).isEqualTo(2);
		assertThat(countOf(leased, "solo")).isEqualTo(1);
		assertThat(countOf(leased, "free")).isEqualTo(1);
		LeasedMessage busy = leased.stream().filter((m) -> m.fairnessKey().equals("busy")).findFirst().orElseThrow();
		assertThat(this.driver.ack(busy)).isTrue();
		List<LeasedMessage> next = leaseAll(this.driver, queue);
		assertThat(next).extracting(LeasedMessage::fairnessKey).containsExactly("busy");
	}

	@Test
	void theQueuesInFlightLimitHoldsAcrossKeys() throws Exception {
		String queue = createQueue();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 0, Map.of(), 3));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			batch.add(message("m" + i, "k" + (i % 3)));
		}
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> leased = leaseAll(this.driver, queue);
		assertThat(leased).hasSize(3);
		this.driver.ack(leased.get(0));
		this.driver.nack(leased.get(1), FailureDecision.retry(Duration.ZERO), "again");
		assertThat(leaseAll(this.driver, queue)).hasSize(2);
	}

	@Test
	void inFlightLimitsHoldAcrossInstancesWhereTheDriverIsShared() throws Exception {
		FilaDriver other = createSharingInstance();
		if (other == null) {
			return;
		}
		try {
			String queue = createQueue();
			QueueFlow limits = new QueueFlow(false, Set.of(), Map.of(), 2, Map.of(), 5);
			this.driver.applyFlow(queue, limits);
			other.applyFlow(queue, limits);
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				batch.add(message("m" + i, "k" + (i % 4)));
			}
			this.driver.enqueue(queue, batch);
			List<LeasedMessage> here = leaseAll(this.driver, queue);
			List<LeasedMessage> there = leaseAll(other, queue);
			List<LeasedMessage> all = new ArrayList<>(here);
			all.addAll(there);
			assertThat(all).hasSize(5);
			for (int k = 0; k < 4; k++) {
				assertThat(countOf(all, "k" + k)).isLessThanOrEqualTo(2);
			}
			// Leases live in the backend: either instance settles them.
			assertThat(this.driver.ack(all.get(all.size() - 1))).isTrue();
			assertThat(leaseAll(other, queue)).hasSize(1);
		}
		finally {
			other.close();
		}
	}

	/**
	 * @return whether the driver can read messages without delivering them (RabbitMQ cannot)
	 */
	protected boolean supportsPeek() {
		return true;
	}

	@Test
	void peekShowsTheOldestPendingMessagesAndChangesNothing() throws Exception {
		String queue = createQueue();
		if (!supportsPeek()) {
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> this.driver.peek(queue, 10))
				.withMessageContaining("cannot peek");
			return;
		}
		for (String[] message : new String[][] { { "a", "x" }, { "b", "y" }, { "c", "x" }, { "d", "y" } }) {
			this.driver.enqueue(queue, List.of(message(message[0], message[1])));
			Thread.sleep(3); // distinct enqueue times, so that "oldest" is one order
		}
		LeasedMessage a = fetchOne(queue);
		assertThat(text(a)).isEqualTo("a");
		List<PendingMessage> pending = this.driver.peek(queue, 10);
		assertThat(pending).extracting((message) -> new String(message.payload(), StandardCharsets.UTF_8))
			.containsExactly("b", "c", "d");
		assertThat(pending).extracting(PendingMessage::fairnessKey).containsExactly("y", "x", "y");
		assertThat(pending).extracting(PendingMessage::attempts).containsOnly(0);
		assertThat(pending.get(0).headers()).containsEntry("h", "b");
		assertThat(pending.get(0).queue()).isEqualTo(queue);
		assertThat(this.driver.peek(queue, 2)).extracting(PendingMessage::id)
			.containsExactly(pending.get(0).id(), pending.get(1).id());
		QueueStats stats = this.driver.stats(queue);
		assertThat(stats.pending()).isEqualTo(3);
		assertThat(stats.inFlight()).isEqualTo(1);
		// A retried message is pending again (behind its key's others), with the delivery it had.
		this.driver.nack(a, FailureDecision.retry(Duration.ZERO), "boom");
		List<PendingMessage> again = this.driver.peek(queue, 10);
		assertThat(again).extracting(PendingMessage::id).contains(a.id()).hasSize(4);
		assertThat(again).filteredOn((message) -> message.id().equals(a.id()))
			.extracting(PendingMessage::attempts)
			.containsExactly(1);
		// Peeking leased nothing: the next delivery of "a" is its second.
		List<String> delivered = new ArrayList<>();
		int attemptsOfA = 0;
		for (int i = 0; i < 4; i++) {
			LeasedMessage next = fetchOne(queue);
			delivered.add(text(next));
			if (next.id().equals(a.id())) {
				attemptsOfA = next.attempts();
			}
			this.driver.ack(next);
		}
		assertThat(delivered).containsExactlyInAnyOrder("a", "b", "c", "d");
		assertThat(attemptsOfA).isEqualTo(2);
		assertThat(this.driver.peek(queue, 10)).isEmpty();
	}

	@Test
	void peekShowsADeadLetterWithItsError() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("poison", "acme")));
		this.driver.nack(fetchOne(queue), FailureDecision.deadLetter(), "cannot parse");
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		if (!supportsPeek()) {
			assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> this.driver.peek(dlq, 10));
			return;
		}
		List<PendingMessage> dead = this.driver.peek(dlq, 10);
		assertThat(dead).hasSize(1);
		assertThat(dead.get(0).headers()).containsEntry(FilaHeaders.ERROR, "cannot parse")
			.containsEntry(FilaHeaders.SOURCE_QUEUE, queue);
		assertThat(this.driver.redrive(dlq, Integer.MAX_VALUE)).isEqualTo(1);
		assertThat(this.driver.peek(dlq, 10)).isEmpty();
	}

	@Test
	void redriveReturnsDeadLettersToTheSourceQueueAsNewDeliveries() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("a", "k"), message("b", "k"), message("c", "k")));
		for (int i = 0; i < 3; i++) {
			LeasedMessage message = fetchOne(queue);
			this.driver.nack(message, FailureDecision.retry(Duration.ZERO), "first");
		}
		for (int i = 0; i < 3; i++) {
			LeasedMessage message = fetchOne(queue);
			this.driver.nack(message, FailureDecision.deadLetter(), "second");
		}
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		assertThat(this.driver.stats(dlq).pending()).isEqualTo(3);
		assertThat(this.driver.redrive(dlq, 2)).isEqualTo(2);
		assertThat(this.driver.stats(dlq).pending()).isEqualTo(1);
		LeasedMessage redriven = fetchOne(queue);
		assertThat(redriven.attempts()).isEqualTo(1);
		assertThat(redriven.headers()).containsKey("h")
			.doesNotContainKeys(FilaHeaders.ATTEMPTS, FilaHeaders.ERROR, FilaHeaders.SOURCE_QUEUE);
		assertThat(this.driver.redrive(dlq, 10)).isEqualTo(1);
		assertThat(this.driver.redrive(dlq, 10)).isZero();
	}

	@Test
	void releaseReturnsAnUnstartedMessageWithoutCountingAnAttempt() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("first", "k"), message("second", "k")));
		List<LeasedMessage> fetched = this.driver.fetch(queue, 2, WAIT);
		assertThat(fetched).hasSize(2);
		assertThat(this.driver.release(fetched.get(1))).isTrue();
		assertThat(this.driver.release(fetched.get(0))).isTrue();
		List<LeasedMessage> again = this.driver.fetch(queue, 2, WAIT);
		assertThat(again).extracting(LeasedMessage::id)
			.containsExactly(fetched.get(0).id(), fetched.get(1).id());
		assertThat(again).extracting(LeasedMessage::attempts).containsExactly(1, 1);
	}

	@Test
	void purgeRemovesPendingAndDelayedMessages() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("a", "k1"), message("b", "k2"), message("c", "k3")));
		LeasedMessage message = fetchOne(queue);
		this.driver.nack(message, FailureDecision.retry(Duration.ofMinutes(5)), "later");
		assertThat(this.driver.purge(queue)).isEqualTo(3);
		assertThat(this.driver.stats(queue).total()).isZero();
		assertThat(this.driver.fetch(queue, 1, SHORT_WAIT)).isEmpty();
	}

	@Test
	void statsBreakDownByFairnessKey() throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			batch.add(message("a" + i, "big", 2, List.of()));
		}
		batch.add(message("s", "small"));
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> fetched = this.driver.fetch(queue, 2, WAIT);
		LeasedMessage retried = fetched.get(0);
		this.driver.nack(retried, FailureDecision.retry(Duration.ofMinutes(5)), "later");
		QueueStats stats = this.driver.stats(queue);
		assertThat(stats.queue()).isEqualTo(queue);
		assertThat(stats.driver()).isEqualTo(this.driver.name());
		assertThat(stats.pending()).isEqualTo(5);
		assertThat(stats.inFlight()).isEqualTo(1);
		assertThat(stats.delayed()).isEqualTo(1);
		assertThat(stats.keys()).extracting(KeyStats::key).first().isEqualTo("big");
		KeyStats big = stats.keys().stream().filter((key) -> key.key().equals("big")).findFirst().orElseThrow();
		assertThat(big.weight()).isEqualTo(2);
		assertThat(big.pending() + big.inFlight() + big.delayed()).isEqualTo(6);
	}

	@Test
	void createQueueIsIdempotentAndKeepsMessages() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("kept", "k")));
		this.driver.createQueue(new QueueSpec(queue, Duration.ofSeconds(10), 2, true));
		assertThat(this.driver.queueExists(queue)).isTrue();
		assertThat(this.driver.stats(queue).pending()).isEqualTo(1);
	}

	@Test
	void deleteQueueRemovesItAndItsMessages() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("gone", "k")));
		assertThat(this.driver.deleteQueue(queue)).isTrue();
		assertThat(this.driver.queueExists(queue)).isFalse();
		assertThat(this.driver.listQueues()).doesNotContain(queue);
		assertThat(this.driver.deleteQueue(queue)).isFalse();
		assertThatExceptionOfType(QueueNotFoundException.class)
			.isThrownBy(() -> this.driver.enqueue(queue, List.of(message("x", "k"))));
	}

	@Test
	void operationsOnAMissingQueueFail() {
		String missing = "contract-missing-" + UUID.randomUUID();
		assertThatExceptionOfType(QueueNotFoundException.class)
			.isThrownBy(() -> this.driver.enqueue(missing, List.of(message("x", "k"))));
		assertThatExceptionOfType(QueueNotFoundException.class).isThrownBy(() -> this.driver.stats(missing));
	}

	@Test
	void pingSucceedsWhenTheBackendIsReachable() {
		this.driver.ping();
	}

	@Test
	void aBatchWithAnOversizedMessageIsRefusedWholeBeforeAnythingIsSent() throws Exception {
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("m" + i, "k"));
		}
		// 256 KiB of headers: over every driver's limit, and over RabbitMQ's default frame (128 KiB).
		batch.set(2, new OutgoingMessage(Map.of("big", "x".repeat(256 << 10)), "m2".getBytes(StandardCharsets.UTF_8),
				new Scheduling("k", 1, List.of())));
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> this.driver.enqueue(queue, batch))
			.withMessageContaining("message 3 of 5 (index 2)")
			.withMessageContaining("'" + queue + "'")
			.withMessageContaining("headers take")
			.withMessageContaining(Integer.toString(this.driver.limits().maxHeaderBytes()))
			.satisfies((ex) -> assertThat(ex.getIndex()).isEqualTo(2));
		assertThat(this.driver.fetch(queue, 10, SHORT_WAIT)).isEmpty();
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	@Test
	void headersUpToTheLimitAreTakenAndOneByteMoreIsNot() throws Exception {
		String queue = createQueue();
		MessageLimits limits = this.driver.limits();
		// Name "h" (1 byte) and key "k" (1 byte) count too.
		String value = "é".repeat((limits.maxHeaderBytes() - 2) / 2) + "x".repeat((limits.maxHeaderBytes() - 2) % 2);
		OutgoingMessage fits = new OutgoingMessage(Map.of("h", value), new byte[] { 1 }, new Scheduling("k", 1, List.of()));
		this.driver.enqueue(queue, List.of(fits));
		LeasedMessage delivered = fetchOne(queue);
		assertThat(delivered.headers()).containsEntry("h", value);
		this.driver.ack(delivered);
		OutgoingMessage over = new OutgoingMessage(Map.of("h", value + "x"), new byte[] { 1 },
				new Scheduling("k", 1, List.of()));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(queue, List.of(over)));
		OutgoingMessage overByKeys = new OutgoingMessage(Map.of("h", value), new byte[] { 1 },
				new Scheduling("k", 1, List.of("t")));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(queue, List.of(overByKeys)));
	}

	@Test
	void oversizedPayloadTooManyHeadersAndLongHeaderNamesAreRefused() throws Exception {
		String queue = createQueue();
		MessageLimits limits = this.driver.limits();
		OutgoingMessage payload = new OutgoingMessage(Map.of(), new byte[limits.maxPayloadBytes() + 1], Scheduling.DEFAULT);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(queue, List.of(message("ok", "k"), payload)))
			.withMessageContaining("message 2 of 2")
			.withMessageContaining("payload is " + (limits.maxPayloadBytes() + 1) + " bytes");
		Map<String, String> many = new HashMap<>();
		for (int i = 0; i <= limits.maxHeaders(); i++) {
			many.put("h" + i, "v");
		}
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(queue, List.of(new OutgoingMessage(many, new byte[0], Scheduling.DEFAULT))))
			.withMessageContaining((limits.maxHeaders() + 1) + " headers");
		String longName = "n".repeat(limits.maxHeaderNameBytes() + 1);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(queue,
					List.of(new OutgoingMessage(Map.of(longName, "v"), new byte[0], Scheduling.DEFAULT))))
			.withMessageContaining("header name");
		assertThat(this.driver.fetch(queue, 10, SHORT_WAIT)).isEmpty();
	}

	@Test
	void aHugeErrorIsBoundedSoTheMessageIsRetriedAndDeadLettered() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("huge", "k")));
		String error = "boom é ".repeat(1 << 17); // 1 MiB of UTF-8
		assertThat(this.driver.nack(fetchOne(queue), FailureDecision.retry(Duration.ZERO), error)).isTrue();
		assertThat(this.driver.nack(fetchOne(queue), FailureDecision.retry(Duration.ofMillis(20)), error)).isTrue();
		LeasedMessage third = fetchOne(queue);
		assertThat(third.attempts()).isEqualTo(3);
		assertThat(this.driver.nack(third, FailureDecision.deadLetter(), error)).isTrue();
		LeasedMessage dead = fetchOne(QueueSpec.deadLetterQueueOf(queue));
		assertThat(dead.id()).isEqualTo(third.id());
		String header = dead.headers().get(FilaHeaders.ERROR);
		assertThat(header.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(ErrorHeader.MAX_BYTES);
		assertThat(header).startsWith("boom é boom é").containsPattern("… \\[truncated \\d+ bytes\\]$");
		assertThat(this.driver.stats(queue).total()).isZero();
	}

	@Test
	void aHandlerThrowingAMegabyteMessageIsRetriedThenDeadLetteredWithABoundedError() throws Exception {
		String queue = createQueue();
		QueueDefinition definition = new QueueDefinition(queue, null, Duration.ofSeconds(30), 1, true,
				new RetryPolicy(3, Duration.ofMillis(10), 1, Duration.ofMillis(10)), null, null);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of(this.driver.name(), this.driver), this.driver.name()),
				Map.of(queue, definition), new DefaultQueuePolicyFactory());
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		List<Integer> attempts = java.util.Collections.synchronizedList(new ArrayList<>());
		String error = "x".repeat(1 << 20);
		FilaListenerContainer container = factory.create(new FilaListenerEndpoint("huge-" + UUID.randomUUID(),
				new ConsumerConfig(queue, 1, 1, true, Duration.ofSeconds(5)), "test", (message, ack) -> {
					attempts.add(message.attempts());
					throw new IllegalStateException(error);
				}));
		this.driver.enqueue(queue, List.of(message("m", "k")));
		container.start();
		try {
			List<LeasedMessage> dead = this.driver.fetch(QueueSpec.deadLetterQueueOf(queue), 1, Duration.ofSeconds(15));
			assertThat(dead).as("dead-lettered").hasSize(1);
			assertThat(attempts).containsExactly(1, 2, 3);
			String header = dead.get(0).headers().get(FilaHeaders.ERROR);
			assertThat(header.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(ErrorHeader.MAX_BYTES);
			assertThat(header).startsWith("xxxx").endsWith("bytes]");
			assertThat(dead.get(0).headers()).containsEntry(FilaHeaders.ATTEMPTS, "3");
		}
		finally {
			container.stop();
			factory.close();
		}
	}

}
