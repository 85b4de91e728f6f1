package dev.fila.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * At most {@code maxWaiting} acks wait at once; a thread that would add one more waits for
 * the batch on its way (backpressure: acks that wait still hold their leases). An ack that
 * fails (the backend is unreachable) is logged and its message delivered again once its lease
 * expires: at-least-once.
 */
final class AckBatcher {

	private static final Logger logger = LoggerFactory.getLogger(AckBatcher.class);

	private final FilaDriver driver;

	private final Outcome outcome;

	private final int maxBatch;

	private final Queue<LeasedMessage> waiting = new ConcurrentLinkedQueue<>();

	/** One permit per ack that may wait; taken by a waiting ack, returned when its batch was sent. */
	private final Semaphore waitingSlots;

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
	 * Acks a message now, or with the next batch when one is on its way; returns before the
	 * ack reached the backend in the second case.
	 * @param message the message to ack
	 */
	void ack(LeasedMessage message) {
		if (this.sending.compareAndSet(false, true)) {
			List<LeasedMessage> batch = new ArrayList<>();
			batch.add(message);
			send(batch);
		}
		else {
			this.waitingSlots.acquireUninterruptibly();
			this.waiting.add(message);
		}
		flush();
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
		int own = batch.size();
		try {
			LeasedMessage next;
			while (batch.size() < this.maxBatch && (next = this.waiting.poll()) != null) {
				batch.add(next);
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
			this.waitingSlots.release(batch.size() - own);
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
