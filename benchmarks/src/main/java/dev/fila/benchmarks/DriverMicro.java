package dev.fila.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.scheduling.Scheduling;

/**
 * The memory driver on its own, on one thread, without Spring, the template or listener
 * containers: enqueue a backlog in batches, then fetch (10 at a time) and ack it all. Shows
 * the CPU cost per message of the queue itself, and how it changes with the number of
 * fairness keys.
 */
final class DriverMicro implements AutoCloseable {

	private static final String QUEUE = "micro";

	/** Lease length of the micro-benchmark queue. */
	static final Duration LEASE = Duration.ofSeconds(1);

	/**
	 * @param keys number of fairness keys
	 * @param enqueueNanosPerMessage median enqueue cost
	 * @param fetchAckNanosPerMessage median fetch + ack cost
	 * @param rounds rounds measured
	 */
	record Row(int keys, double enqueueNanosPerMessage, double fetchAckNanosPerMessage, int rounds) {
	}

	private final int keys;

	private final int messages;

	private final List<List<OutgoingMessage>> batches;

	private final MemoryDriver driver = new MemoryDriver("micro");

	private final List<Double> enqueue = new ArrayList<>();

	private final List<Double> fetchAck = new ArrayList<>();

	DriverMicro(int keys, int messages, int batchSize) {
		this.keys = keys;
		this.messages = messages;
		this.batches = batches(keys, messages, batchSize);
		// A short lease: acked leases stay referenced by the driver until their deadline passes
		// (see docs/benchmarks.md), which would otherwise make this single-thread measurement
		// mostly about GC. Leases here last microseconds, so none expires.
		this.driver.createQueue(new QueueSpec(QUEUE, LEASE, 1, false));
	}

	/**
	 * Runs one round: the whole backlog in, then out.
	 * @param measured whether the round counts
	 */
	void round(boolean measured) throws InterruptedException {
		System.gc();
		long t0 = System.nanoTime();
		for (List<OutgoingMessage> batch : this.batches) {
			this.driver.enqueue(QUEUE, batch);
		}
		long t1 = System.nanoTime();
		int drained = 0;
		while (drained < this.messages) {
			List<LeasedMessage> fetched = this.driver.fetch(QUEUE, 10, Duration.ZERO);
			if (fetched.isEmpty()) {
				throw new IllegalStateException("Driver returned nothing with " + (this.messages - drained) + " pending");
			}
			for (LeasedMessage message : fetched) {
				this.driver.ack(message);
			}
			drained += fetched.size();
		}
		long t2 = System.nanoTime();
		if (measured) {
			this.enqueue.add((double) (t1 - t0) / this.messages);
			this.fetchAck.add((double) (t2 - t1) / this.messages);
		}
	}

	Row row() {
		double[] enqueued = this.enqueue.stream().mapToDouble(Double::doubleValue).toArray();
		double[] fetched = this.fetchAck.stream().mapToDouble(Double::doubleValue).toArray();
		return new Row(this.keys, Stats.median(enqueued), Stats.median(fetched), enqueued.length);
	}

	@Override
	public void close() {
		this.driver.close();
	}

	private static List<List<OutgoingMessage>> batches(int keys, int messages, int batchSize) {
		Map<String, String>[] headers = Payloads.tenantHeaders(keys);
		Scheduling[] scheduling = new Scheduling[keys];
		for (int i = 0; i < keys; i++) {
			scheduling[i] = new Scheduling("tenant-" + i, 1, List.of());
		}
		byte[] payload = Payloads.fixed();
		List<List<OutgoingMessage>> batches = new ArrayList<>();
		for (int i = 0; i < messages; i += batchSize) {
			int size = Math.min(batchSize, messages - i);
			List<OutgoingMessage> batch = new ArrayList<>(size);
			for (int j = i; j < i + size; j++) {
				batch.add(new OutgoingMessage(headers[j % keys], payload, scheduling[j % keys]));
			}
			batches.add(batch);
		}
		return batches;
	}

}
