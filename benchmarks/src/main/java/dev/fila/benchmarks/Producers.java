package dev.fila.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Runs producer loops on their own thread, flat out or paced. */
final class Producers {

	private Producers() {
	}

	/**
	 * Runs {@code loop} on a producer thread and waits until {@code countdown} saw every message.
	 * @param messages the messages the loop sends
	 * @param countdown counts handled messages
	 * @param timeout the longest wait
	 * @param loop sends the messages
	 * @return the round's timings
	 * @throws InterruptedException when interrupted
	 */
	static RoundResult flatOut(int messages, Countdown countdown, Duration timeout, Runnable loop)
			throws InterruptedException {
		long[] times = new long[5];
		CpuProbe probe = CpuProbe.start();
		Thread producer = new Thread(() -> {
			long allocated = CpuProbe.currentThreadAllocatedBytes();
			long switches = CpuProbe.currentThreadContextSwitches();
			long cpu = CpuProbe.currentThreadCpuNanos();
			times[0] = System.nanoTime();
			loop.run();
			times[1] = System.nanoTime();
			times[2] = CpuProbe.currentThreadCpuNanos() - cpu;
			times[3] = CpuProbe.currentThreadContextSwitches() - switches;
			times[4] = CpuProbe.currentThreadAllocatedBytes() - allocated;
		}, "bench-producer");
		producer.start();
		boolean complete = countdown.await(timeout);
		long now = System.nanoTime();
		producer.join();
		CpuProbe.Usage usage = probe.stop(times[2], times[3], times[4]);
		long end = complete ? countdown.endNanos() : now;
		return new RoundResult(complete ? messages : countdown.count(), end - times[0], times[1] - times[0], complete,
				usage);
	}

	/**
	 * Sends latency probes at a fixed rate from a producer thread, on an absolute schedule
	 * (a late probe does not shift the ones after it). Each probe is stamped with
	 * {@link System#nanoTime()} right before it is handed to {@code send}.
	 * @param total how many probes
	 * @param perSecond the rate
	 * @param send sends one probe
	 * @return the producer thread, started
	 */
	static Thread paced(int total, int perSecond, Consumer<byte[]> send) {
		long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
		Thread producer = new Thread(() -> {
			long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
			for (int i = 0; i < total; i++) {
				long due = start + i * period;
				long wait;
				while ((wait = due - System.nanoTime()) > 0) {
					LockSupport.parkNanos(wait);
				}
				byte[] probe = Payloads.probe(i);
				Payloads.stampSendTime(probe, System.nanoTime());
				send.accept(probe);
			}
		}, "bench-paced-producer");
		producer.start();
		return producer;
	}

}
