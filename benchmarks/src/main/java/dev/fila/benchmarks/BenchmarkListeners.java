package dev.fila.benchmarks;

import dev.fila.annotation.FilaListener;

/**
 * The consumers under test: plain {@code @FilaListener} methods with concurrency 4 and
 * prefetch 10, whose normal return acks the message.
 */
public class BenchmarkListeners {

	/** The queue of the throughput benchmarks. */
	public static final String THROUGHPUT_QUEUE = "bench-throughput";

	/** The queue of the latency benchmark. */
	public static final String LATENCY_QUEUE = "bench-latency";

	/** Consumer id of the throughput listener. */
	public static final String THROUGHPUT_CONSUMER = "bench-throughput-consumer";

	/** Consumer id of the latency listener. */
	public static final String LATENCY_CONSUMER = "bench-latency-consumer";

	private volatile Countdown throughput;

	private volatile LatencyRecorder latency;

	void expect(Countdown countdown) {
		this.throughput = countdown;
	}

	void expect(LatencyRecorder recorder) {
		this.latency = recorder;
	}

	/**
	 * No-op handler: counts the message; returning acks it.
	 * @param payload the payload
	 */
	@FilaListener(id = THROUGHPUT_CONSUMER, queue = THROUGHPUT_QUEUE, concurrency = "4", prefetch = "10")
	public void onMessage(byte[] payload) {
		Countdown countdown = this.throughput;
		if (countdown != null) {
			countdown.arrive();
		}
	}

	/**
	 * Records enqueue-to-handler latency: handler start minus the send time in the payload.
	 * @param payload the latency probe
	 */
	@FilaListener(id = LATENCY_CONSUMER, queue = LATENCY_QUEUE, concurrency = "4", prefetch = "10",
			autoStartup = "false")
	public void onProbe(byte[] payload) {
		long now = System.nanoTime();
		LatencyRecorder recorder = this.latency;
		if (recorder != null) {
			recorder.record(payload, now);
		}
	}

}
