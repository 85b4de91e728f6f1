package dev.fila.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Group commit of acks on the memory driver: an ack with none on its way goes at once, acks
 * that come while one is on its way go together in the next call, and nothing is left waiting.
 */
class AckBatcherTests {

	private final HoldingDriver driver = new HoldingDriver();

	private final List<String> acked = new CopyOnWriteArrayList<>();

	private final List<String> lost = new CopyOnWriteArrayList<>();

	private final AckBatcher.Outcome outcome = new AckBatcher.Outcome() {

		@Override
		public void acked(LeasedMessage message) {
			AckBatcherTests.this.acked.add(message.id());
		}

		@Override
		public void leaseLost(LeasedMessage message) {
			AckBatcherTests.this.lost.add(message.id());
		}

	};

	@AfterEach
	void close() {
		this.driver.release.countDown();
		this.driver.close();
	}

	private List<LeasedMessage> leased(int count) throws InterruptedException {
		String queue = "acks";
		this.driver.createQueue(new QueueSpec(queue, Duration.ofSeconds(30), 1, false));
		List<OutgoingMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(new OutgoingMessage(Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8), Scheduling.DEFAULT));
		}
		this.driver.enqueue(queue, messages);
		return this.driver.fetch(queue, count, Duration.ofSeconds(1));
	}

	/** Starts an ack on another thread; returns once its call is on its way (held by the driver). */
	private CompletableFuture<Void> ackOnItsWay(AckBatcher batcher, LeasedMessage message) throws InterruptedException {
		CompletableFuture<Void> ack = CompletableFuture.runAsync(() -> batcher.ack(message));
		assertThat(this.driver.entered.await(10, TimeUnit.SECONDS)).isTrue();
		return ack;
	}

	@Test
	void ackWithNoneOnItsWayGoesAtOnceByItself() throws Exception {
		this.driver.release.countDown();
		LeasedMessage message = leased(1).get(0);
		AckBatcher batcher = new AckBatcher(this.driver, 10, 100, this.outcome);
		batcher.ack(message);
		assertThat(this.driver.calls).containsExactly(1);
		assertThat(this.acked).containsExactly(message.id());
		assertThat(this.driver.stats("acks").total()).isZero();
	}

	/** Acks on other threads while a batch is on its way; returns once they all wait for the next batch. */
	private List<CompletableFuture<Void>> waitingAcks(AckBatcher batcher, List<LeasedMessage> messages) {
		List<CompletableFuture<Void>> acks = new ArrayList<>();
		for (LeasedMessage message : messages) {
			acks.add(CompletableFuture.runAsync(() -> batcher.ack(message), Executors.newSingleThreadExecutor()));
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> batcher.waitingCount() == messages.size());
		return acks;
	}

	private static void join(List<CompletableFuture<Void>> acks) throws Exception {
		for (CompletableFuture<Void> ack : acks) {
			ack.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void acksThatComeWhileOneIsOnItsWayGoTogetherInTheNextCall() throws Exception {
		List<LeasedMessage> messages = leased(5);
		AckBatcher batcher = new AckBatcher(this.driver, 10, 100, this.outcome);
		CompletableFuture<Void> first = ackOnItsWay(batcher, messages.get(0));
		List<CompletableFuture<Void>> waiting = waitingAcks(batcher, messages.subList(1, 5));
		assertThat(waiting).noneMatch(CompletableFuture::isDone); // each returns once its ack was sent
		assertThat(this.driver.calls).containsExactly(1);
		this.driver.release.countDown();
		first.get(10, TimeUnit.SECONDS);
		join(waiting);
		assertThat(this.driver.calls).containsExactly(1, 4);
		assertThat(this.acked).hasSize(5);
		assertThat(this.driver.stats("acks").total()).isZero();
	}

	@Test
	void waitingAcksGoInBatchesOfAtMostTheBatchSizeAndLostLeasesAreReported() throws Exception {
		List<LeasedMessage> messages = leased(3);
		AckBatcher batcher = new AckBatcher(this.driver, 10, 2, this.outcome);
		CompletableFuture<Void> first = ackOnItsWay(batcher, messages.get(0));
		// messages.get(1) settled twice: one of the two finds no lease.
		List<CompletableFuture<Void>> waiting = waitingAcks(batcher,
				List.of(messages.get(1), messages.get(1), messages.get(2)));
		this.driver.release.countDown();
		first.get(10, TimeUnit.SECONDS);
		join(waiting);
		assertThat(this.driver.calls).containsExactly(1, 2, 1);
		assertThat(this.acked).containsExactlyInAnyOrder(messages.get(0).id(), messages.get(1).id(),
				messages.get(2).id());
		assertThat(this.lost).containsExactly(messages.get(1).id());
	}

	@Test
	void aThreadThatWouldExceedTheWaitingLimitWaitsForTheBatchOnItsWay() throws Exception {
		List<LeasedMessage> messages = leased(3);
		AckBatcher batcher = new AckBatcher(this.driver, 1, 100, this.outcome);
		CompletableFuture<Void> first = ackOnItsWay(batcher, messages.get(0));
		List<CompletableFuture<Void>> second = waitingAcks(batcher, List.of(messages.get(1)));
		Thread third = new Thread(() -> batcher.ack(messages.get(2)));
		third.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> third.getState() == Thread.State.WAITING);
		assertThat(batcher.waitingCount()).isEqualTo(1); // the third did not get a waiting slot
		assertThat(this.driver.calls).containsExactly(1);
		this.driver.release.countDown();
		first.get(10, TimeUnit.SECONDS);
		join(second);
		third.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(third.isAlive()).isFalse();
		batcher.flush();
		assertThat(this.acked).hasSize(3);
		assertThat(this.driver.stats("acks").total()).isZero();
	}

	/**
	 * A fetch takes the acks waiting for the next batch and sends them itself: a waiting thread
	 * goes on once their outcomes are told, the buffer slots the detached ones held pass to the
	 * fetch (not back to the semaphore), and the batch on its way then finds nothing to send.
	 */
	@Test
	void aFetchTakesTheWaitingAcksWithTheSlotsTheyHold() throws Exception {
		List<LeasedMessage> messages = leased(4);
		AckBatcher batcher = new AckBatcher(this.driver, 10, 100, this.outcome);
		Semaphore slots = new Semaphore(2);
		CompletableFuture<Void> first = ackOnItsWay(batcher, messages.get(0));
		batcher.ack(messages.get(1), slots); // detached: holds a slot
		batcher.ack(messages.get(2), slots);
		assertThat(slots.availablePermits()).isZero();
		CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> batcher.ack(messages.get(3)),
				Executors.newSingleThreadExecutor());
		await().atMost(Duration.ofSeconds(10)).until(() -> batcher.waitingCount() == 3);
		List<CompletableFuture<Void>> blocking = List.of(blocked);
		AckBatcher.Carried carried = batcher.takeWaiting(slots);
		assertThat(carried.messages()).extracting(LeasedMessage::id)
			.containsExactlyInAnyOrder(messages.get(1).id(), messages.get(2).id(), messages.get(3).id());
		assertThat(carried.slots()).isEqualTo(2);
		assertThat(batcher.waitingCount()).isZero();
		assertThat(blocking).noneMatch(CompletableFuture::isDone);
		// As a fetch reports them (this driver's own ackAll waits for the batch on its way).
		carried.settled(new boolean[] { true, false, true });
		carried.failed(new IllegalStateException("told twice: ignored"));
		join(blocking);
		assertThat(slots.availablePermits()).as("the fetch's now").isZero();
		this.driver.release.countDown();
		first.get(10, TimeUnit.SECONDS);
		assertThat(this.driver.calls).as("only the batch on its way went to the driver").containsExactly(1);
		assertThat(this.acked).hasSize(3).contains(messages.get(0).id());
		assertThat(this.lost).hasSize(1);
	}

	/**
	 * Acks whose fetch failed may not have been applied: their messages stay leased and nothing
	 * is told of them; a slot of another consumer's semaphore goes back to it.
	 */
	@Test
	void acksTakenByAFetchThatFailedAreLeftToTheirLeases() throws Exception {
		List<LeasedMessage> messages = leased(2);
		AckBatcher batcher = new AckBatcher(this.driver, 10, 100, this.outcome);
		Semaphore fetching = new Semaphore(0);
		Semaphore other = new Semaphore(1);
		CompletableFuture<Void> first = ackOnItsWay(batcher, messages.get(0));
		batcher.ack(messages.get(1), other);
		assertThat(other.availablePermits()).isZero();
		AckBatcher.Carried carried = batcher.takeWaiting(fetching);
		assertThat(carried.slots()).isZero();
		carried.failed(new IllegalStateException("connection lost"));
		assertThat(other.availablePermits()).isEqualTo(1);
		assertThat(fetching.availablePermits()).isZero();
		this.driver.release.countDown();
		first.get(10, TimeUnit.SECONDS);
		assertThat(this.acked).containsExactly(messages.get(0).id());
		assertThat(this.lost).isEmpty();
		assertThat(this.driver.stats("acks").inFlight()).isEqualTo(1);
	}

	@Test
	void failedBatchIsLoggedAndLeavesItsMessagesLeased() throws Exception {
		this.driver.release.countDown();
		List<LeasedMessage> messages = leased(2);
		this.driver.fail = true;
		AckBatcher batcher = new AckBatcher(this.driver, 10, 100, this.outcome);
		batcher.ack(messages.get(0));
		assertThat(this.acked).isEmpty();
		assertThat(this.driver.stats("acks").inFlight()).isEqualTo(2);
		this.driver.fail = false;
		batcher.ack(messages.get(1));
		assertThat(this.acked).containsExactly(messages.get(1).id());
	}

	/** A memory driver whose first ack call waits for {@link #release}, and that counts call sizes. */
	private static final class HoldingDriver extends MemoryDriver {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<Integer> calls = new CopyOnWriteArrayList<>();

		volatile boolean fail;

		HoldingDriver() {
			super("memory");
		}

		@Override
		public boolean[] ackAll(List<LeasedMessage> messages) {
			if (this.fail) {
				throw new IllegalStateException("unreachable");
			}
			this.calls.add(messages.size());
			this.entered.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return super.ackAll(messages);
		}

	}

}
