package dev.fila.scheduling;

import java.util.concurrent.locks.Condition;

/**
 * The time source of a {@link FairScheduler}: a monotonic nanosecond clock and the timed wait
 * on a condition, so that tests can drive time (and see the waits) without sleeping.
 */
public interface NanoClock {

	/** {@link System#nanoTime()} and {@link Condition#awaitNanos}. */
	NanoClock SYSTEM = new NanoClock() {

		@Override
		public long nanoTime() {
			return System.nanoTime();
		}

		@Override
		public void await(Condition condition, long nanos) throws InterruptedException {
			condition.awaitNanos(nanos);
		}

	};

	/**
	 * @return the current time in nanoseconds from an arbitrary origin
	 */
	long nanoTime();

	/**
	 * @return the wall-clock time in milliseconds since the epoch, which items' enqueue times
	 * are measured in (for priority aging)
	 */
	default long currentTimeMillis() {
		return System.currentTimeMillis();
	}

	/**
	 * Waits until the condition is signalled or {@code nanos} have passed (or spuriously
	 * earlier). Called with the condition's lock held.
	 * @param condition the condition to wait on
	 * @param nanos the longest wait, positive
	 * @throws InterruptedException when the thread is interrupted
	 */
	void await(Condition condition, long nanos) throws InterruptedException;

}
