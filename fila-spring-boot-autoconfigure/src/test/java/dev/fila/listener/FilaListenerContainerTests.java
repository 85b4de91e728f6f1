package dev.fila.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.core.FilaMessage;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker pool of one consumer on the memory driver: heartbeats, backpressure and
 * graceful shutdown.
 */
class FilaListenerContainerTests {

	private final RecordingDriver driver = new RecordingDriver();

	private final List<FilaListenerContainer> containers = new ArrayList<>();

	private FilaListenerContainerFactory factory;

	@AfterEach
	void stopAll() {
		this.containers.forEach(FilaListenerContainer::stop);
		if (this.factory != null) {
			this.factory.close();
		}
		this.driver.close();
	}

	private QueueBinding queue(String name, Duration visibilityTimeout) {
		QueueDefinition definition = new QueueDefinition(name, null, visibilityTimeout, 1, true,
				new RetryPolicy(3, Duration.ofMillis(10), 1, Duration.ofMillis(10)), null, null);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"),
				Map.of(name, definition), new DefaultQueuePolicyFactory());
		this.factory = new FilaListenerContainerFactory(queues, Map.of());
		return queues.binding(name);
	}

	private FilaListenerContainer container(QueueBinding binding, int concurrency, int prefetch,
			Duration shutdownTimeout, FilaMessageHandler handler) {
		FilaListenerContainer container = this.factory.create(new FilaListenerEndpoint("c-" + UUID.randomUUID(),
				new ConsumerConfig(binding.name(), concurrency, prefetch, true, shutdownTimeout), "test", handler));
		this.containers.add(container);
		return container;
	}

	private void enqueue(String queue, int count) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(new OutgoingMessage(Map.of("n", Integer.toString(i)), ("m" + i).getBytes(StandardCharsets.UTF_8),
					Scheduling.DEFAULT));
		}
		this.driver.enqueue(queue, batch);
	}

	@Test
	void runningHandlersLeaseIsExtendedSoASlowHandlerIsNotRedelivered() throws Exception {
		QueueBinding binding = queue("slow-" + UUID.randomUUID(), Duration.ofMillis(300));
		List<FilaMessage> seen = new CopyOnWriteArrayList<>();
		FilaListenerContainer container = container(binding, 2, 2, Duration.ofSeconds(5), (message, ack) -> {
			seen.add(message);
			Thread.sleep(1500);
		});
		enqueue(binding.name(), 1);
		container.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.driver.stats(binding.name()).total() == 0);
		assertThat(seen).hasSize(1);
		assertThat(seen.get(0).attempts()).isEqualTo(1);
		assertThat(this.driver.expiredLeases(binding.name())).isZero();
	}

	@Test
	void consumerNeverHoldsMoreThanPrefetchBufferedPlusConcurrencyRunning() throws Exception {
		QueueBinding binding = queue("bounded-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		int concurrency = 3;
		int prefetch = 5;
		FilaListenerContainer container = container(binding, concurrency, prefetch, Duration.ofSeconds(5),
				(message, ack) -> {
					Thread.sleep(5);
					handled.incrementAndGet();
				});
		enqueue(binding.name(), 300);
		container.start();
		int maxBuffered = 0;
		long maxInFlight = 0;
		while (handled.get() < 300) {
			maxBuffered = Math.max(maxBuffered, container.getBuffered());
			maxInFlight = Math.max(maxInFlight, this.driver.stats(binding.name()).inFlight());
			assertThat(container.getBusyWorkers()).isLessThanOrEqualTo(concurrency);
			Thread.sleep(1);
		}
		assertThat(maxBuffered).isLessThanOrEqualTo(prefetch).isGreaterThan(0);
		assertThat(maxInFlight).isLessThanOrEqualTo(prefetch + concurrency);
	}

	@Test
	void anInProcessDriverGetsEachAckFromTheWorkerThatHandledTheMessage() throws Exception {
		this.driver.remote = false;
		QueueBinding binding = queue("direct-acks-" + UUID.randomUUID(), Duration.ofSeconds(30));
		Map<String, String> handlerThreads = new ConcurrentHashMap<>();
		FilaListenerContainer container = container(binding, 4, 10, Duration.ofSeconds(5),
				(message, ack) -> handlerThreads.put(message.id(), Thread.currentThread().getName()));
		enqueue(binding.name(), 500);
		container.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.driver.stats(binding.name()).total() == 0);
		assertThat(this.driver.largestAckBatch).hasValue(0);
		assertThat(this.driver.ackThreads).hasSize(500).isEqualTo(handlerThreads);
	}

	@Test
	void aQueueThatDeliversNowAndThenKeepsOneFetchWaiting() throws Exception {
		QueueBinding binding = queue("trickle-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding, 4, 10, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		container.start();
		// Longer than a worker's buffer poll (100 ms) in all: an idle worker would join a second fetch.
		for (int i = 0; i < 40; i++) {
			enqueue(binding.name(), 1);
			Thread.sleep(15);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 40);
		assertThat(this.driver.mostFetchesAtOnce.get()).isEqualTo(1);
	}

	/**
	 * On a quiet queue the worker that handled a message fetches next: its ack goes in that fetch
	 * (one call to a remote backend per message, not an ack call and then a fetch).
	 */
	@Test
	void aQuietQueueSendsEachAckWithTheNextFetchOfItsWorker() throws Exception {
		QueueBinding binding = queue("ack-with-fetch-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding, 2, 10, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		container.start();
		for (int i = 1; i <= 10; i++) {
			enqueue(binding.name(), 1);
			int expected = i;
			await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.acked.size() == expected);
		}
		assertThat(handled).hasValue(10);
		assertThat(this.driver.acksWithFetches).hasValue(10);
		assertThat(this.driver.standaloneAckCalls).hasValue(0);
	}

	@Test
	void aHeldAckIsSentAtOnceWhenTheWorkerDoesNotFetchNext() throws Exception {
		QueueBinding binding = queue("held-ack-" + UUID.randomUUID(), Duration.ofSeconds(30));
		// The first fetch brings all five: the worker takes the rest from the buffer, not a fetch,
		// so each ack must have gone before the next handler starts.
		List<Integer> ackedBefore = new CopyOnWriteArrayList<>();
		FilaListenerContainer container = container(binding, 1, 10, Duration.ofSeconds(5),
				(message, ack) -> ackedBefore.add(this.driver.acked.size()));
		enqueue(binding.name(), 5);
		container.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.acked.size() == 5);
		assertThat(ackedBefore).containsExactly(0, 1, 2, 3, 4);
		assertThat(this.driver.stats(binding.name()).total()).isZero();
	}

	@Test
	void aBacklogGetsASecondFetchOnItsWayWhileTheFirstIsOnItsWay() throws Exception {
		QueueBinding binding = queue("backlog-" + UUID.randomUUID(), Duration.ofSeconds(30));
		this.driver.fetchDelayMillis = 5;
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding, 4, 10, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		enqueue(binding.name(), 500);
		container.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> handled.get() == 500);
		assertThat(this.driver.mostFetchesAtOnce.get()).isEqualTo(2);
	}

	@Test
	void gracefulStopFinishesRunningHandlersAndReturnsUnstartedMessagesWithoutCountingAnAttempt()
			throws Exception {
		QueueBinding binding = queue("drain-" + UUID.randomUUID(), Duration.ofSeconds(30));
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<String> completed = new CopyOnWriteArrayList<>();
		FilaListenerContainer container = container(binding, 1, 5, Duration.ofSeconds(10), (message, ack) -> {
			started.countDown();
			release.await();
			completed.add(message.id());
		});
		enqueue(binding.name(), 6);
		container.start();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> container.getBuffered() == 5);
		CompletableFuture<List<FilaMessage>> stopping = CompletableFuture.supplyAsync(container::stop);
		Thread.sleep(200);
		assertThat(stopping).isNotDone();
		release.countDown();
		assertThat(stopping.get(5, TimeUnit.SECONDS)).isEmpty();
		assertThat(completed).hasSize(1);
		assertThat(container.isRunning()).isFalse();
		assertThat(this.driver.stats(binding.name()).pending()).isEqualTo(5);
		assertThat(this.driver.stats(binding.name()).inFlight()).isZero();
		List<LeasedMessage> returned = this.driver.fetch(binding.name(), 10, Duration.ofSeconds(1));
		assertThat(returned).hasSize(5).allSatisfy((message) -> assertThat(message.attempts()).isEqualTo(1));
	}

	@Test
	void stopReportsHandlersThatDoNotFinishInTime() throws Exception {
		QueueBinding binding = queue("stuck-" + UUID.randomUUID(), Duration.ofSeconds(30));
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		FilaListenerContainer container = container(binding, 1, 1, Duration.ofMillis(300), (message, ack) -> {
			started.countDown();
			never.await();
		});
		enqueue(binding.name(), 1);
		container.start();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		List<FilaMessage> unfinished = container.stop();
		assertThat(unfinished).hasSize(1);
		never.countDown();
	}

	@Test
	void failingHandlerIsRetriedThenDeadLettered() throws Exception {
		QueueBinding binding = queue("failing-" + UUID.randomUUID(), Duration.ofSeconds(30));
		List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());
		FilaListenerContainer container = container(binding, 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			attempts.add(message.attempts());
			throw new IllegalStateException("always fails");
		});
		enqueue(binding.name(), 1);
		container.start();
		String dlq = binding.name() + ".dlq";
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(dlq).pending() == 1);
		assertThat(attempts).containsExactly(1, 2, 3);
		LeasedMessage dead = this.driver.fetch(dlq, 1, Duration.ofSeconds(1)).get(0);
		assertThat(dead.headers()).containsEntry("fila-attempts", "3").containsEntry("fila-error", "always fails");
	}

	@Test
	void deadLetterExceptionSkipsRetries() throws Exception {
		QueueBinding binding = queue("poison-" + UUID.randomUUID(), Duration.ofSeconds(30));
		FilaListenerContainer container = container(binding, 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			throw new DeadLetterException("poison");
		});
		enqueue(binding.name(), 1);
		container.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.stats(binding.name() + ".dlq").pending() == 1);
		LeasedMessage dead = this.driver.fetch(binding.name() + ".dlq", 1, Duration.ofSeconds(1)).get(0);
		assertThat(dead.headers()).containsEntry("fila-attempts", "1").containsEntry("fila-error", "poison");
	}

	@Test
	void stoppedContainerCanStartAgain() throws Exception {
		QueueBinding binding = queue("restart-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		FilaListenerContainer container = container(binding, 2, 2, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		container.start();
		container.stop();
		enqueue(binding.name(), 3);
		container.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 3);
	}

	@Test
	void acksWaitingForASlowBatchStillCountAgainstTheLeaseBound() throws Exception {
		this.driver.ackDelayMillis = 20;
		QueueBinding binding = queue("slow-acks-" + UUID.randomUUID(), Duration.ofSeconds(30));
		AtomicInteger handled = new AtomicInteger();
		int concurrency = 3;
		int prefetch = 5;
		FilaListenerContainer container = container(binding, concurrency, prefetch, Duration.ofSeconds(5),
				(message, ack) -> handled.incrementAndGet());
		enqueue(binding.name(), 200);
		container.start();
		long maxInFlight = 0;
		while (this.driver.stats(binding.name()).total() > 0) {
			maxInFlight = Math.max(maxInFlight, this.driver.stats(binding.name()).inFlight());
			Thread.sleep(1);
		}
		assertThat(handled.get()).isEqualTo(200);
		// Handlers finish long before their acks are sent, yet leases stay within the bound.
		assertThat(maxInFlight).isLessThanOrEqualTo(prefetch + concurrency).isGreaterThan(concurrency);
		assertThat(this.driver.largestAckBatch.get()).isGreaterThan(1);
		// Acks that waited for the slow batch went with the next fetch, whose slots they freed.
		assertThat(this.driver.acksWithFetches.get()).isPositive();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.driver.acked.size() == 200);
		assertThat(this.driver.acked).doesNotHaveDuplicates();
	}

	@Test
	void aSettledMessageIsNoLongerHeartbeated() throws Exception {
		QueueBinding binding = queue("settled-" + UUID.randomUUID(), Duration.ofMillis(60));
		CountDownLatch acked = new CountDownLatch(1);
		FilaListenerContainer container = container(binding, 1, 1, Duration.ofSeconds(5), (message, ack) -> {
			ack.ack();
			acked.countDown();
			Thread.sleep(300); // heartbeats run every 20 ms meanwhile
		});
		enqueue(binding.name(), 1);
		container.start();
		assertThat(acked.await(5, TimeUnit.SECONDS)).isTrue();
		Thread.sleep(300);
		assertThat(this.driver.extendedAfterAck).isEmpty();
	}

	/**
	 * A memory driver that can slow its batched acks down and records heartbeats of acked
	 * messages. It stands in for a remote backend (acks in batches) unless {@link #remote} is
	 * cleared.
	 */
	private static final class RecordingDriver extends MemoryDriver {

		volatile boolean remote = true;

		/** The thread of each single {@link #ack(LeasedMessage)}, by message id. */
		final Map<String, String> ackThreads = new ConcurrentHashMap<>();

		volatile long ackDelayMillis;

		final AtomicInteger largestAckBatch = new AtomicInteger();

		final List<String> acked = new CopyOnWriteArrayList<>();

		final List<String> extendedAfterAck = new CopyOnWriteArrayList<>();

		volatile long fetchDelayMillis;

		final AtomicInteger fetchesNow = new AtomicInteger();

		final AtomicInteger mostFetchesAtOnce = new AtomicInteger();

		/** Acks sent with a fetch ({@link #ackAndFetch}). */
		final AtomicInteger acksWithFetches = new AtomicInteger();

		/** Calls of {@link #ackAll} not made by {@link #ackAndFetch}. */
		final AtomicInteger standaloneAckCalls = new AtomicInteger();

		private final ThreadLocal<Boolean> fetching = ThreadLocal.withInitial(() -> false);

		RecordingDriver() {
			super("memory");
		}

		@Override
		public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
			this.mostFetchesAtOnce.accumulateAndGet(this.fetchesNow.incrementAndGet(), Math::max);
			try {
				if (this.fetchDelayMillis > 0) {
					Thread.sleep(this.fetchDelayMillis);
				}
				return super.fetch(queue, max, maxWait);
			}
			finally {
				this.fetchesNow.decrementAndGet();
			}
		}

		@Override
		public List<LeasedMessage> ackAndFetch(List<LeasedMessage> acks, Consumer<boolean[]> outcomes, String queue,
				int max, Duration maxWait) throws InterruptedException {
			this.acksWithFetches.addAndGet(acks.size());
			this.fetching.set(true);
			try {
				return super.ackAndFetch(acks, outcomes, queue, max, maxWait);
			}
			finally {
				this.fetching.set(false);
			}
		}

		@Override
		public boolean isRemote() {
			return this.remote;
		}

		@Override
		public boolean ack(LeasedMessage message) {
			this.ackThreads.put(message.id(), Thread.currentThread().getName());
			return super.ack(message);
		}

		@Override
		public boolean[] ackAll(List<LeasedMessage> messages) {
			this.largestAckBatch.accumulateAndGet(messages.size(), Math::max);
			if (!this.fetching.get()) {
				this.standaloneAckCalls.incrementAndGet();
			}
			if (this.ackDelayMillis > 0) {
				try {
					Thread.sleep(this.ackDelayMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			messages.forEach((message) -> this.acked.add(message.id()));
			return super.ackAll(messages);
		}

		@Override
		public boolean extendLease(LeasedMessage message, Duration duration) {
			if (this.acked.contains(message.id())) {
				this.extendedAfterAck.add(message.id());
			}
			return super.extendLease(message, duration);
		}

	}

}
