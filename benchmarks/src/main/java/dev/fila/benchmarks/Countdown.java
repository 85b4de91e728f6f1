package dev.fila.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Counts handled messages ("acks") of one round and notes when the last one arrived. */
final class Countdown {

	private final long target;

	private final AtomicLong count = new AtomicLong();

	private final CountDownLatch done = new CountDownLatch(1);

	private volatile long endNanos;

	Countdown(long target) {
		this.target = target;
	}

	/** Called by a handler for every message. */
	void arrive() {
		if (this.count.incrementAndGet() == this.target) {
			this.endNanos = System.nanoTime();
			this.done.countDown();
		}
	}

	boolean await(Duration timeout) throws InterruptedException {
		return this.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	long count() {
		return this.count.get();
	}

	long endNanos() {
		return this.endNanos;
	}

}
