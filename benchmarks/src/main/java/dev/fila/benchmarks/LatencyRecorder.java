package dev.fila.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records enqueue-to-handler latencies of latency probes, indexed by sequence number. */
final class LatencyRecorder {

	private final long[] samples;

	private final int warmup;

	private final AtomicInteger received = new AtomicInteger();

	private final CountDownLatch done = new CountDownLatch(1);

	/**
	 * @param warmup probes whose latency is ignored
	 * @param measured probes whose latency counts
	 */
	LatencyRecorder(int warmup, int measured) {
		this.warmup = warmup;
		this.samples = new long[warmup + measured];
	}

	int total() {
		return this.samples.length;
	}

	/**
	 * @param payload the probe
	 * @param handlerStartNanos when the handler started
	 */
	void record(byte[] payload, long handlerStartNanos) {
		int sequence = (int) Payloads.sequence(payload);
		this.samples[sequence] = handlerStartNanos - Payloads.sendTime(payload);
		if (this.received.incrementAndGet() == this.samples.length) {
			this.done.countDown();
		}
	}

	boolean await(Duration timeout) throws InterruptedException {
		return this.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	int received() {
		return this.received.get();
	}

	/** @return the measured latencies, sorted */
	long[] measured() {
		long[] measured = Arrays.copyOfRange(this.samples, this.warmup, this.samples.length);
		Arrays.sort(measured);
		return measured;
	}

}
