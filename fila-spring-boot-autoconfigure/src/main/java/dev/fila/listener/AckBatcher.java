package dev.fila.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;

/**
 * Coalesces the acks of one consumer's workers into batches, sent with
 * {@link FilaDriver#ackAll(List)} (group commit). An ack goes to the driver at once, by the
 * acking thread, when no batch is on its way; acks that come while one is on its way wait for
 * it and go together in the next call, sent by the thread that sent the previous one (or by
 * the next thread that acks, whichever comes first). So an ack never waits for a timer, a
 * quiet consumer sends one ack per call, and a busy one sends one call per round trip however
 * many acks it collected meanwhile.
 * <p>
 * A message whose ack waits still holds its lease, so a waiting ack must count against the
 * consumer's bound of {@code prefetch} buffered plus {@code concurrency} running messages.
 * {@link #ack(LeasedMessage, Semaphore)} takes one of the consumer's free buffer slots for it:
 * with a slot, the worker goes on at once (the slot comes back when the ack was sent, and the
 * consumer fetches that much less meanwhile); without one, and with {@link #ack(LeasedMessage)},
 * the acking thread returns only once its ack was sent (alone or in a batch), so its message
 * keeps its worker busy. At most {@code maxWaiting} of those blocking acks wait at once. An ack that
 * fails (the backend is unreachable) is logged and its message delivered again once its lease
 * expires: at-least-once.
 */
final class AckBatcher {

	private static final Logger logger = LoggerFactory.getLogger(AckBatcher.class);

	private final FilaDriver driver;

	private final Outcome outcome;

	private final int maxBatch;

	private final Queue<Pending> waiting = new ConcurrentLinkedQueue<>();

	/** One permit per ack that may wait; taken by a waiting ack, returned when its batch was sent. */
	private final Semaphore waitingSlots;

	/** What {@link #takeWaiting} returns when no ack waits: it holds nothing to tell or release. */
	private final Carried noneWaiting = new Carried(null, List.of(), new Semaphore(0));

	/** Whether a thread is sending a batch: at most one at a time. */
	private final AtomicBoolean sending = new AtomicBoolean();

	/**
	 * @param driver the driver that acks
	 * @param maxWaiting the most acks waiting for a batch at once, at least 1
	 * @param maxBatch the most acks in one call, at least 1
	 * @param outcome told the result of every ack
	 */
	AckBatcher(FilaDriver driver, int maxWaiting, int maxBatch, Outcome outcome) {
		this.driver = driver;
		this.waitingSlots = new Semaphore(maxWaiting);
		this.maxBatch = maxBatch;
		this.outcome = outcome;
	}

	/**
	 * Acks a message now, or with the next batch when one is on its way; returns once the ack
	 * was sent either way.
	 * @param message the message to ack
	 */
	void ack(LeasedMessage message) {
		ack(message, null);
	}

	/**
	 * Acks a message like {@link #ack(LeasedMessage)}, but returns without waiting for the ack
	 * to be sent when the budget has a permit to hold its lease meanwhile.
	 * @param message the message to ack
	 * @param budget the consumer's free buffer slots: one is taken until the ack was sent;
	 * {@code null} to always wait
	 */
	void ack(LeasedMessage message, @Nullable Semaphore budget) {
		if (this.sending.compareAndSet(false, true)) {
			List<LeasedMessage> batch = new ArrayList<>();
			batch.add(message);
			send(batch);
		}
		else if (budget != null && budget.tryAcquire()) {
			this.waiting.add(new Pending(message, null, budget));
		}
		else {
			this.waitingSlots.acquireUninterruptibly();
			Pending pending = new Pending(message, new CountDownLatch(1), null);
			this.waiting.add(pending);
			flush();
			awaitSent(pending);
			return;
		}
		flush();
	}

	private static void awaitSent(Pending pending) {
		CountDownLatch sent = pending.sent();
		if (sent == null) {
			return;
		}
		boolean interrupted = false;
		while (true) {
			try {
				sent.await();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Takes the acks that wait for the next batch, for a fetch to send with it (see
	 * {@link FilaDriver#ackAndFetch}): the slots they free are then filled by the same call. The
	 * free buffer slots that those holding {@code slots} took pass to the fetch
	 * ({@link Carried#slots()}) instead of coming back to {@code slots}.
	 * @param slots the fetching consumer's free buffer slots
	 * @return the acks taken, possibly none
	 */
	Carried takeWaiting(Semaphore slots) {
		return takeWaiting(slots, null);
	}

	/**
	 * As {@link #takeWaiting(Semaphore)}, with the fetching worker's own ack first: one that
	 * waited for no batch and holds no slot (its message held the worker).
	 * @param slots the fetching consumer's free buffer slots
	 * @param own the ack of the message the fetching worker handled last, or {@code null}
	 * @return the acks taken, possibly none
	 */
	Carried takeWaiting(Semaphore slots, @Nullable LeasedMessage own) {
		if (own == null && this.waiting.isEmpty()) {
			return this.noneWaiting; // the common case on an idle or in-process consumer: nothing to allocate
		}
		List<Pending> taken = new ArrayList<>();
		Pending next;
		int room = (own != null) ? this.maxBatch - 1 : this.maxBatch;
		while (taken.size() < room && (next = this.waiting.poll()) != null) {
			taken.add(next);
		}
		return new Carried(own, taken, slots);
	}

	/**
	 * Acks a fetch sends: told their outcomes once ({@link #settled} or {@link #failed}, the
	 * first call wins), which releases the acking threads that wait for them.
	 */
	final class Carried {

		private final List<Pending> taken;

		private final Semaphore slots;

		private final List<LeasedMessage> messages;

		private final int slotsTaken;

		private final AtomicBoolean finished = new AtomicBoolean();

		private Carried(@Nullable LeasedMessage own, List<Pending> taken, Semaphore slots) {
			this.taken = taken;
			this.slots = slots;
			this.messages = new ArrayList<>(taken.size() + 1);
			if (own != null) {
				this.messages.add(own);
			}
			int held = 0;
			for (Pending pending : taken) {
				this.messages.add(pending.message());
				if (pending.budget() == slots) {
					held++;
				}
			}
			this.slotsTaken = held;
		}

		/** @return the messages to ack, in order */
		List<LeasedMessage> messages() {
			return this.messages;
		}

		/** @return the free buffer slots these acks held, now the fetch's */
		int slots() {
			return this.slotsTaken;
		}

		/** @param acked for each message, whether its ack took effect */
		void settled(boolean[] acked) {
			if (!this.finished.compareAndSet(false, true)) {
				return;
			}
			for (int i = 0; i < this.messages.size(); i++) {
				if (i < acked.length && acked[i]) {
					AckBatcher.this.outcome.acked(this.messages.get(i));
				}
				else {
					AckBatcher.this.outcome.leaseLost(this.messages.get(i));
				}
			}
			release();
		}

		/** @param failure why the call that carried the acks failed: they may not have been applied */
		void failed(Throwable failure) {
			if (!this.finished.compareAndSet(false, true)) {
				return;
			}
			if (!this.messages.isEmpty()) {
				logger.warn("Could not ack {} message(s) on queue '{}'; they will be delivered again when their "
						+ "lease expires: {}", this.messages.size(), this.messages.get(0).queue(), failure.toString());
			}
			release();
		}

		/** @return whether there are acks and neither {@link #settled} nor {@link #failed} was called yet */
		boolean untold() {
			return !this.messages.isEmpty() && !this.finished.get();
		}

		/** As a sent batch does, except that a slot of the fetching consumer stays the fetch's. */
		private void release() {
			int blocking = 0;
			for (Pending pending : this.taken) {
				if (pending.sent() != null) {
					blocking++;
				}
				if (pending.budget() != this.slots) {
					pending.done();
				}
			}
			AckBatcher.this.waitingSlots.release(blocking);
		}

	}

	/** @return how many acks wait for the next batch (for tests) */
	int waitingCount() {
		return this.waiting.size();
	}

	/**
	 * A waiting ack: either its thread waits on {@code sent} until the batch holding it was
	 * sent, or (detached) it holds a permit of {@code budget}, given back then.
	 */
	private record Pending(LeasedMessage message, @Nullable CountDownLatch sent, @Nullable Semaphore budget) {

		void done() {
			if (this.sent != null) {
				this.sent.countDown();
			}
			if (this.budget != null) {
				this.budget.release();
			}
		}

	}

	/**
	 * Sends every waiting ack, unless another thread is sending (it then sends them). After the
	 * threads that ack have returned, nothing waits.
	 */
	void flush() {
		while (!this.waiting.isEmpty() && this.sending.compareAndSet(false, true)) {
			send(new ArrayList<>());
		}
	}

	/**
	 * Sends a batch: the given acks (whose threads hold no waiting slot) and then waiting ones,
	 * up to the batch size. Called holding {@link #sending}; releases it.
	 */
	private void send(List<LeasedMessage> batch) {
		List<Pending> taken = new ArrayList<>();
		try {
			Pending next;
			while (batch.size() < this.maxBatch && (next = this.waiting.poll()) != null) {
				taken.add(next);
				batch.add(next.message());
			}
			if (batch.isEmpty()) {
				return;
			}
			boolean[] acked;
			try {
				acked = this.driver.ackAll(batch);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not ack {} message(s) on queue '{}'; they will be delivered again when their "
						+ "lease expires: {}", batch.size(), batch.get(0).queue(), ex.toString());
				return;
			}
			for (int i = 0; i < batch.size(); i++) {
				if (acked[i]) {
					this.outcome.acked(batch.get(i));
				}
				else {
					this.outcome.leaseLost(batch.get(i));
				}
			}
		}
		finally {
			this.sending.set(false);
			// A plain loop: this runs for every ack, and a stream here cost several percent of a
			// worker's time on the memory driver (docs/benchmarks.md).
			int blocking = 0;
			for (Pending pending : taken) {
				if (pending.sent() != null) {
					blocking++;
				}
			}
			this.waitingSlots.release(blocking);
			for (Pending pending : taken) {
				pending.done();
			}
		}
	}

	/** Told the result of each ack. */
	interface Outcome {

		/** @param message a message whose ack reached the backend */
		void acked(LeasedMessage message);

		/** @param message a message whose lease was lost before its ack arrived */
		void leaseLost(LeasedMessage message);

	}

}
