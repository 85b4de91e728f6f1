package dev.fila.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The raw baseline: an {@link ArrayBlockingQueue} fed by one producer thread and drained by
 * four worker threads; "ack" is a counter increment. Messages carry the same tenant headers
 * and 256-byte payload as the Fila runs, but no scheduling, leases or framework.
 */
final class Baseline implements AutoCloseable {

	private record Message(Map<String, String> headers, byte[] payload) {
	}

	private static final Message POISON = new Message(Map.of(), new byte[0]);

	private final BlockingQueue<Message> queue;

	private final List<Thread> workers = new ArrayList<>();

	private volatile Countdown countdown;

	private volatile LatencyRecorder recorder;

	Baseline(int capacity, int workerCount) {
		this.queue = new ArrayBlockingQueue<>(capacity);
		for (int i = 1; i <= workerCount; i++) {
			Thread worker = new Thread(this::work, "baseline-worker-" + i);
			worker.start();
			this.workers.add(worker);
		}
	}

	private void work() {
		try {
			while (true) {
				Message message = this.queue.take();
				if (message == POISON) {
					return;
				}
				LatencyRecorder latency = this.recorder;
				if (latency != null) {
					latency.record(message.payload(), System.nanoTime());
					continue;
				}
				Countdown counter = this.countdown;
				if (counter != null) {
					counter.arrive();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	RoundResult throughput(int keys, int messages, Duration timeout) throws InterruptedException {
		Map<String, String>[] headers = Payloads.tenantHeaders(keys);
		byte[] payload = Payloads.fixed();
		Countdown counter = new Countdown(messages);
		this.countdown = counter;
		return Producers.flatOut(messages, counter, timeout, () -> {
			try {
				for (int i = 0; i < messages; i++) {
					this.queue.put(new Message(headers[i % keys], payload));
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
	}

	LatencyRecorder latency(int keys, int perSecond, int warmup, int measured, Duration timeout)
			throws InterruptedException {
		Map<String, String>[] headers = Payloads.tenantHeaders(keys);
		LatencyRecorder latency = new LatencyRecorder(warmup, measured);
		this.recorder = latency;
		int[] sent = new int[1];
		Thread producer = Producers.paced(latency.total(), perSecond, (probe) -> {
			try {
				this.queue.put(new Message(headers[sent[0]++ % keys], probe));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		producer.join();
		if (!latency.await(timeout)) {
			throw new IllegalStateException("Baseline latency run received only " + latency.received() + " of "
					+ latency.total() + " probes");
		}
		this.recorder = null;
		return latency;
	}

	@Override
	public void close() throws InterruptedException {
		for (int i = 0; i < this.workers.size(); i++) {
			this.queue.put(POISON);
		}
		for (Thread worker : this.workers) {
			worker.join();
		}
	}

}
