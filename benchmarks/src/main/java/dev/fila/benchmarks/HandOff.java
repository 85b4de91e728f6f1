package dev.fila.benchmarks;

import java.util.concurrent.locks.LockSupport;

/**
 * What one thread wake-up costs on this machine: two threads pass a token back and forth,
 * each parking until the other unparks it. Every hand-off is a futex wake plus a context
 * switch, the price the listener container pays when its fetcher and workers wait for each
 * other.
 */
final class HandOff {

	private static volatile int turn;

	private HandOff() {
	}

	/**
	 * @param handOffs how many hand-offs to time (a tenth as many warm up)
	 * @return nanoseconds per hand-off (half a round trip)
	 */
	static double nanosPerHandOff(int handOffs) throws InterruptedException {
		run(handOffs / 10);
		return (double) run(handOffs) / handOffs;
	}

	private static long run(int handOffs) throws InterruptedException {
		int rounds = handOffs / 2;
		turn = 0;
		Thread[] threads = new Thread[2];
		long[] elapsed = new long[1];
		threads[1] = new Thread(() -> {
			for (int i = 0; i < rounds; i++) {
				while (turn != 1) {
					LockSupport.park();
				}
				turn = 0;
				LockSupport.unpark(threads[0]);
			}
		}, "handoff-b");
		threads[0] = new Thread(() -> {
			long start = System.nanoTime();
			for (int i = 0; i < rounds; i++) {
				turn = 1;
				LockSupport.unpark(threads[1]);
				while (turn != 0) {
					LockSupport.park();
				}
			}
			elapsed[0] = System.nanoTime() - start;
		}, "handoff-a");
		threads[1].start();
		threads[0].start();
		threads[0].join();
		threads[1].join();
		return elapsed[0];
	}

}
