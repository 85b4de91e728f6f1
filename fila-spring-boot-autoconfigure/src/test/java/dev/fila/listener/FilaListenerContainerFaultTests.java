package dev.fila.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.queue.FailureLog;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A consumer when things go wrong: the backend refuses a settlement or a fetch, a policy asks
 * for an absurd delay, a handler never returns, a driver stalls its heartbeats, a message is
 * delivered twice under one id. Nothing is lost, no worker dies, bounds hold.
 */
class FilaListenerContainerFaultTests {

	private final FaultyDriver driver = new FaultyDriver("memory");

	private final FaultyDriver other = new FaultyDriver("other");

	private final List<FilaListenerContainer> containers = new ArrayList<>();

	private FilaListenerContainerFactory factory;

	private FailurePolicy failurePolicy;

	@AfterEach
	void stopAll() {
		this.containers.forEach(FilaListenerContainer::stop);
		if (this.factory != null) {
			this.factory.close();
		}
		this.driver.close();
		this.other.close();
	}

	private QueueBinding queue(String name, Duration visibilityTimeout) {
		return queues(Map.of(name, definition(name, null, visibilityTimeout, true))).binding(name);
	}

	private static QueueDefinition definition(String name, String driver, Duration visibilityTimeout,
			boolean deadLetter) {
		return new QueueDefinition(name, driver, visibilityTimeout, 1, deadLetter,
				new RetryPolicy(3, Duration.ofMillis(10), 1, Duration.ofMillis(10)), null, null);
	}

	private FilaQueues queues(Map<String, QueueDefinition> definitions) {
		QueuePolicyFactory defaults = new DefaultQueuePolicyFactory();
		QueuePolicyFactory policies = new QueuePolicyFactory() {

			@Override
			public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
				return defaults.enqueuePolicy(queue);
			}

			@Override
			public FailurePolicy failurePolicy(QueueDefinition queue) {
				FailurePolicy custom = FilaListenerContainerFaultTests.this.failurePolicy;
				return (custom != null) ? custom : defaults.failurePolicy(queue);
			}

		};
		Map<String, FilaDriver> drivers = new LinkedHashMap<>();
		drivers.put("memory", this.driver);
		drivers.put("other", this.other);
		FilaQueues queues = new FilaQueues(new FilaDrivers(drivers, "memory"), definitions, policies);
		this.factory = new FilaListenerContainerFactory(queues, Map.of());
		return queues;
	}

	private FilaListenerContainer container(String queue, int concurrency, int prefetch, Duration shutdownTimeout,
			FilaMessageHandler handler) {
		FilaListenerContainer container = this.factory.create(new FilaListenerEndpoint("c-" + UUID.randomUUID(),
				new ConsumerConfig(queue, concurrency, prefetch, true, shutdownTimeout), "test", handler));
		this.containers.add(container);
		return container;
	}

	private static void enqueue(FilaDriver driver, String queue, int count) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(new OutgoingMessage(Map.of("n", Integer.toString(i)), ("m" + i).getBytes(StandardCharsets.UTF_8),
					Scheduling.DEFAULT));
		}
		driver.enqueue(queue, batch);
	}

	private static long workerThreads(String consumerId) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("fila-" + consumerId + "-"))
			.count();
	}

	@Test
	void aNackTheBackendRefusesLeavesTheMessageLeasedAndTheWorkerAlive() {
		QueueBinding binding = queue("nack-fails-" + UUID.randomUUID(), Duration.ofMillis(300));
		this.driver.failingNacks.set(1);
		List<Integer> attempts = new CopyOnWriteArrayList<>();
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			if (message.headers().get("n").equals("0")) {
				attempts.add(message.attempts());
				if (message.attempts() == 1) {
					throw new IllegalStateException("first delivery fails");
				}
			}
			handled.incrementAndGet();
		});
		enqueue(this.driver, binding.name(), 1);
		container.start();
		// Its lease expires (no heartbeat after the failed nack) and it comes back.
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 1);
		assertThat(attempts).containsExactly(1, 2);
		// The single worker still works.
		enqueue(this.driver, binding.name(), 3);
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 4);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name()).total() == 0);
	}

	@Test
	void anAckTheInProcessDriverRefusesLeavesTheMessageToItsLeaseAndTheWorkerAlive() {
		this.driver.remote = false;
		QueueBinding binding = queue("ack-fails-" + UUID.randomUUID(), Duration.ofMillis(300));
		this.driver.failingAcks.set(1);
		List<Integer> attempts = new CopyOnWriteArrayList<>();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5),
				(message, ack) -> attempts.add(message.attempts()));
		enqueue(this.driver, binding.name(), 1);
		container.start();
		// No heartbeat after the failed ack: the lease expires and the message comes back once.
		await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name()).total() == 0);
		assertThat(attempts).containsExactly(1, 2);
		enqueue(this.driver, binding.name(), 3);
		await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 5);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name()).total() == 0);
	}

	@Test
	void handlerFailuresAndTheDeadLetterAreWarningsNamingConsumerQueueMessageAndAttempt() {
		ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
			.getLogger(FailureLog.class);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		log.addAppender(appender);
		try {
			QueueBinding binding = queue("visible-" + UUID.randomUUID(), Duration.ofSeconds(30));
			FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5),
					(message, ack) -> {
						throw new IllegalStateException("card declined");
					});
			String id = this.driver
				.enqueue(binding.name(), List.of(new OutgoingMessage(Map.of(), new byte[0], Scheduling.DEFAULT)))
				.get(0);
			container.start();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.driver.stats(QueueSpec.deadLetterQueueOf(binding.name())).pending() == 1);
			List<String> warnings = appender.list.stream()
				.filter((event) -> event.getLevel() == Level.WARN)
				.map(ILoggingEvent::getFormattedMessage)
				.toList();
			String on = "Consumer '" + container.getId() + "': ";
			String failed = on + "handler failed on message " + id + " of queue '" + binding.name() + "' (attempt ";
			assertThat(warnings).containsExactly(failed + "1): card declined", failed + "2): card declined",
					failed + "3): card declined",
					on + "message " + id + " of queue '" + binding.name() + "' dead-lettered after 3 attempt(s): card declined");
		}
		finally {
			log.detachAppender(appender);
		}
	}

	@Test
	void aFailurePolicyThatThrowsAnErrorLosesNothingAndKillsNoWorker() {
		AtomicBoolean policyFailed = new AtomicBoolean();
		this.failurePolicy = (context) -> {
			if (policyFailed.compareAndSet(false, true)) {
				throw new StackOverflowError("policy recursed");
			}
			return FailureDecision.retry(Duration.ZERO);
		};
		QueueBinding binding = queue("policy-error-" + UUID.randomUUID(), Duration.ofMillis(300));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			if (message.attempts() == 1 && message.headers().get("n").equals("0")) {
				throw new IllegalStateException("fails once");
			}
			handled.incrementAndGet();
		});
		enqueue(this.driver, binding.name(), 2);
		container.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name()).total() == 0);
	}

	@Test
	void aWorkerWhoseLoopFailsGoesOn() {
		QueueBinding binding = queue("fetch-error-" + UUID.randomUUID(), Duration.ofSeconds(30));
		this.driver.failingFetches.set(2);
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		enqueue(this.driver, binding.name(), 5);
		container.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 5);
		assertThat(this.driver.failingFetches.get()).isNegative();
		assertThat(workerThreads(container.getId())).isEqualTo(1);
	}

	@Test
	void aHugeRetryDelayIsCutToTheMaximumAndTheMessageStaysInTheQueue() {
		this.failurePolicy = (context) -> FailureDecision.retry(Duration.ofMillis(Long.MAX_VALUE));
		QueueBinding binding = queue("huge-delay-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger failed = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			failed.incrementAndGet();
			throw new IllegalStateException("fails");
		});
		enqueue(this.driver, binding.name(), 1);
		container.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.driver.stats(binding.name()).delayed() == 1);
		assertThat(failed.get()).isEqualTo(1);
		assertThat(this.driver.stats(binding.name()).total()).isEqualTo(1);
	}

	@Test
	void stopInterruptsAHandlerPastTheShutdownTimeoutAndReturnsItsMessage() throws Exception {
		QueueBinding binding = queue("stuck-" + UUID.randomUUID(), Duration.ofSeconds(30));
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofMillis(200), (message, ack) -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
				throw ex;
			}
		});
		enqueue(this.driver, binding.name(), 1);
		container.start();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(container.stop()).hasSize(1);
		assertThat(interrupted).isTrue();
		assertThat(workerThreads(container.getId())).isZero();
		// Back in the queue at once, without counting an attempt.
		assertThat(this.driver.stats(binding.name()).pending()).isEqualTo(1);
		List<LeasedMessage> again = this.driver.fetch(binding.name(), 1, Duration.ofSeconds(1));
		assertThat(again).singleElement().satisfies((message) -> assertThat(message.attempts()).isEqualTo(1));
	}

	@Test
	void aRunThatOutlivedItsStopNeverFetchesAfterARestart() throws Exception {
		QueueBinding binding = queue("old-run-" + UUID.randomUUID(), Duration.ofSeconds(30));
		CountDownLatch stuck = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofMillis(100), (message, ack) -> {
			if (message.headers().get("n").equals("0") && message.attempts() == 1) {
				stuck.countDown();
				// Ignores interrupts, like a handler blocked in a library that swallows them.
				while (!release.await(10, TimeUnit.SECONDS)) {
				}
			}
			handled.incrementAndGet();
		});
		enqueue(this.driver, binding.name(), 1);
		container.start();
		assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(container.stop()).hasSize(1);
		container.start();
		release.countDown();
		enqueue(this.driver, binding.name(), 20);
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() >= 21);
		// The old run's worker ended after its handler returned: one worker, as configured.
		await().atMost(Duration.ofSeconds(5)).until(() -> workerThreads(container.getId()) == 1);
		assertThat(container.getBusyWorkers()).isLessThanOrEqualTo(1);
	}

	@Test
	void aHundredStopStartCyclesLeakNoThreadAndLoseNoMessage() {
		QueueBinding binding = queue("cycles-" + UUID.randomUUID(), Duration.ofSeconds(30));
		Set<String> seen = ConcurrentHashMap.newKeySet();
		FilaListenerContainer container = container(binding.name(), 3, 4, Duration.ofSeconds(5),
				(message, ack) -> seen.add(message.headers().get("n") + "/" + message.id()));
		int threadsBefore = Thread.activeCount();
		enqueue(this.driver, binding.name(), 300);
		for (int i = 0; i < 100; i++) {
			container.start();
			container.stop();
		}
		container.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> this.driver.stats(binding.name()).total() == 0);
		assertThat(seen).hasSize(300);
		assertThat(workerThreads(container.getId())).isEqualTo(3);
		container.stop();
		assertThat(workerThreads(container.getId())).isZero();
		// Heartbeat pool threads come and go; nothing grows with the cycles.
		assertThat(Thread.activeCount()).isLessThan(threadsBefore + 10);
	}

	@Test
	void aHandlerThatLeavesItsThreadInterruptedDoesNotEndItsWorker() {
		QueueBinding binding = queue("self-interrupt-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			handled.incrementAndGet();
			if (message.headers().get("n").equals("0")) {
				// The usual idiom of code that caught an InterruptedException it cannot rethrow.
				Thread.currentThread().interrupt();
			}
		});
		enqueue(this.driver, binding.name(), 1);
		container.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name()).total() == 0);
		enqueue(this.driver, binding.name(), 3);
		await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 4);
		assertThat(container.isRunning()).isTrue();
		assertThat(workerThreads(container.getId())).isEqualTo(1);
	}

	@Test
	void aShutdownTimeoutBeyondLongNanosecondsStopsWithoutOverflow() {
		QueueBinding binding = queue("huge-shutdown-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding.name(), 1, 1, Duration.ofDays(365L * 1_000),
				(message, ack) -> handled.incrementAndGet());
		container.start();
		assertThat(container.stop()).isEmpty();
		assertThat(container.isRunning()).isFalse();
		assertThat(workerThreads(container.getId())).isZero();
		container.start();
		enqueue(this.driver, binding.name(), 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 1);
	}

	@Test
	void twoDeliveriesUnderOneIdAreHeartbeatedAndSettledByTheirLeaseTokens() throws Exception {
		QueueBinding binding = queue("duplicates-" + UUID.randomUUID(), Duration.ofMillis(300));
		Instant now = Instant.now();
		LeasedMessage first = new LeasedMessage("same-id", binding.name(), Map.of(), new byte[0], "default", 1,
				List.of(), 1, now, "token-1");
		LeasedMessage second = new LeasedMessage("same-id", binding.name(), Map.of(), new byte[0], "default", 1,
				List.of(), 2, now, "token-2");
		this.driver.scripted.add(List.of(first, second));
		CountDownLatch bothRunning = new CountDownLatch(2);
		CountDownLatch firstDone = new CountDownLatch(1);
		FilaListenerContainer container = container(binding.name(), 2, 2, Duration.ofSeconds(5), (message, ack) -> {
			bothRunning.countDown();
			if (message.attempts() == 1) {
				Thread.sleep(400);
				firstDone.countDown();
			}
			else {
				firstDone.await();
				Thread.sleep(400);
			}
		});
		container.start();
		assertThat(bothRunning.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(firstDone.await(5, TimeUnit.SECONDS)).isTrue();
		int secondBeatsWhenFirstDone = this.driver.extendedTokens("token-2");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.ackedTokens.contains("token-2"));
		assertThat(this.driver.extendedTokens("token-1")).isGreaterThanOrEqualTo(1);
		// The second delivery kept its heartbeat after the first, same id, was settled.
		assertThat(this.driver.extendedTokens("token-2")).isGreaterThan(secondBeatsWhenFirstDone);
		assertThat(this.driver.ackedTokens).containsExactlyInAnyOrder("token-1", "token-2");
	}

	@Test
	void aStalledDriverDoesNotDelayTheHeartbeatsOfAnother() {
		Map<String, QueueDefinition> definitions = new LinkedHashMap<>();
		String stalled = "stalled-" + UUID.randomUUID();
		String healthy = "healthy-" + UUID.randomUUID();
		definitions.put(stalled, definition(stalled, "memory", Duration.ofMillis(300), true));
		definitions.put(healthy, definition(healthy, "other", Duration.ofMillis(300), true));
		queues(definitions);
		this.driver.extendDelayMillis = 5_000;
		AtomicInteger healthyHandled = new AtomicInteger();
		List<Integer> healthyAttempts = new CopyOnWriteArrayList<>();
		FilaListenerContainer slow = container(stalled, 1, 1, Duration.ofMillis(100), (message, ack) -> Thread.sleep(2_000));
		FilaListenerContainer fine = container(healthy, 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			healthyAttempts.add(message.attempts());
			Thread.sleep(1_500); // five lease lengths: only heartbeats keep it
			healthyHandled.incrementAndGet();
		});
		enqueue(this.driver, stalled, 1);
		enqueue(this.other, healthy, 1);
		slow.start();
		fine.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> healthyHandled.get() == 1);
		assertThat(healthyAttempts).containsExactly(1);
		assertThat(this.other.expiredLeases(healthy)).isZero();
	}

	@Test
	void aConsumerExtendsAllItsLeasesInOneCall() throws Exception {
		QueueBinding binding = queue("batched-beats-" + UUID.randomUUID(), Duration.ofMillis(300));
		CountDownLatch running = new CountDownLatch(3);
		FilaListenerContainer container = container(binding.name(), 3, 3, Duration.ofSeconds(5), (message, ack) -> {
			running.countDown();
			Thread.sleep(800);
		});
		enqueue(this.driver, binding.name(), 6);
		container.start();
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.largestExtendBatch.get() >= 3);
	}

	@Test
	void aConsumerOfTheDeadLetterQueueOfAQueueWithoutOneFailsNamingIt() {
		String name = "no-dlq-" + UUID.randomUUID();
		queues(Map.of(name, definition(name, null, Duration.ofSeconds(30), false)));
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> container(name + ".dlq", 1, 1, Duration.ofSeconds(1), (message, ack) -> {
			}))
			.withMessageContaining(name + ".dlq")
			.withMessageContaining("fila.queues." + name + ".dead-letter");
	}

	/**
	 * A memory driver whose acks, nacks, fetches and heartbeats can be made to fail or stall. It
	 * stands in for a remote backend (acks in batches) unless {@link #remote} is cleared.
	 */
	static final class FaultyDriver extends MemoryDriver {

		volatile boolean remote = true;

		final AtomicInteger failingAcks = new AtomicInteger();

		final AtomicInteger failingNacks = new AtomicInteger();

		final AtomicInteger failingFetches = new AtomicInteger();

		volatile long extendDelayMillis;

		final AtomicInteger largestExtendBatch = new AtomicInteger();

		/** Deliveries to hand out instead of the queue's, one list per fetch. */
		final List<List<LeasedMessage>> scripted = new CopyOnWriteArrayList<>();

		final List<String> extended = new CopyOnWriteArrayList<>();

		final List<String> ackedTokens = new CopyOnWriteArrayList<>();

		FaultyDriver(String name) {
			super(name);
		}

		int extendedTokens(String token) {
			return (int) this.extended.stream().filter(token::equals).count();
		}

		private boolean isScripted(LeasedMessage message) {
			return message.leaseToken().startsWith("token-");
		}

		@Override
		public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
			if (!this.scripted.isEmpty()) {
				return this.scripted.remove(0);
			}
			if (this.failingFetches.getAndDecrement() > 0) {
				throw new AssertionError("fetch broke (an Error, not an exception)");
			}
			return super.fetch(queue, max, maxWait);
		}

		@Override
		public boolean isRemote() {
			return this.remote;
		}

		@Override
		public boolean ack(LeasedMessage message) {
			if (this.failingAcks.getAndDecrement() > 0) {
				throw new IllegalStateException("backend unreachable");
			}
			return super.ack(message);
		}

		@Override
		public boolean nack(LeasedMessage message, FailureDecision decision, String error) {
			if (this.failingNacks.getAndDecrement() > 0) {
				throw new IllegalStateException("backend unreachable");
			}
			return super.nack(message, decision, error);
		}

		@Override
		public boolean[] ackAll(List<LeasedMessage> messages) {
			boolean[] acked = new boolean[messages.size()];
			for (int i = 0; i < acked.length; i++) {
				LeasedMessage message = messages.get(i);
				if (isScripted(message)) {
					this.ackedTokens.add(message.leaseToken());
					acked[i] = true;
				}
				else {
					acked[i] = super.ack(message);
				}
			}
			return acked;
		}

		@Override
		public boolean[] extendLeases(List<LeasedMessage> messages, Duration duration) {
			this.largestExtendBatch.accumulateAndGet(messages.size(), Math::max);
			return super.extendLeases(messages, duration);
		}

		@Override
		public boolean extendLease(LeasedMessage message, Duration duration) {
			if (this.extendDelayMillis > 0) {
				try {
					Thread.sleep(this.extendDelayMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			this.extended.add(message.leaseToken());
			return isScripted(message) || super.extendLease(message, duration);
		}

	}

}
