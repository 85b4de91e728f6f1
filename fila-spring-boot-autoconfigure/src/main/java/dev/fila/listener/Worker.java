package dev.fila.listener;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * One worker loop of a consumer, run by whatever {@link Executor} the application gives (a
 * platform or virtual thread per task), yet joinable and interruptible like a thread of our
 * own. While it runs, its thread is named {@code fila-<consumer id>-<n>}.
 */
final class Worker implements Runnable {

	private final String name;

	private final Runnable loop;

	private final CountDownLatch ended = new CountDownLatch(1);

	private volatile @Nullable Thread thread;

	private volatile boolean interrupted;

	Worker(String name, Runnable loop) {
		this.name = name;
		this.loop = loop;
	}

	void start(Executor executor) {
		try {
			executor.execute(this);
		}
		catch (RuntimeException ex) {
			this.ended.countDown();
			throw ex;
		}
	}

	@Override
	public void run() {
		Thread current = Thread.currentThread();
		String previousName = current.getName();
		current.setName(this.name);
		this.thread = current;
		try {
			if (this.interrupted) {
				current.interrupt();
			}
			this.loop.run();
		}
		finally {
			this.thread = null;
			// A pooled thread must not carry our interrupt into its next task.
			Thread.interrupted();
			current.setName(previousName);
			this.ended.countDown();
		}
	}

	/** @return the thread running the loop, or {@code null} when it is not running */
	@Nullable Thread thread() {
		return this.thread;
	}

	/** @return whether the loop has not ended yet (or not started) */
	boolean isAlive() {
		return this.ended.getCount() > 0;
	}

	void interrupt() {
		this.interrupted = true;
		Thread running = this.thread;
		if (running != null) {
			running.interrupt();
		}
	}

	/**
	 * Waits for the loop to end, at most until the deadline.
	 * @param deadlineNanos a {@link System#nanoTime()} deadline
	 */
	void join(long deadlineNanos) {
		long remaining = deadlineNanos - System.nanoTime();
		if (remaining <= 0) {
			return;
		}
		try {
			this.ended.await(remaining, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
