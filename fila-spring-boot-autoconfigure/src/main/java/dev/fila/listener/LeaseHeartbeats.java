package dev.fila.listener;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the lease heartbeats of every consumer. One thread keeps time; each beat runs on a
 * pooled thread, and a consumer whose previous beat has not returned skips the next one. So a
 * backend that stalls (a Redis outage waits out the client timeout; a RabbitMQ session lock is
 * held) delays the heartbeats of the consumers waiting on it only, never those of another
 * consumer or driver. The pool holds at most one thread per consumer.
 */
final class LeaseHeartbeats implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(LeaseHeartbeats.class);

	private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(daemon("fila-heartbeat"));

	private final ExecutorService beats = Executors.newCachedThreadPool(daemon("fila-heartbeat-"));

	/**
	 * Runs {@code beat} every {@code period} until cancelled, never two beats of it at once.
	 * @param name names the consumer in a log line when a beat is skipped
	 * @param beat the heartbeat
	 * @param period time between beats
	 * @return cancels the beats
	 */
	ScheduledFuture<?> schedule(String name, Runnable beat, Duration period) {
		AtomicBoolean beating = new AtomicBoolean();
		long millis = Math.max(10, period.toMillis());
		return this.clock.scheduleAtFixedRate(() -> {
			if (!beating.compareAndSet(false, true)) {
				logger.debug("Heartbeat of consumer '{}' skipped: the previous one has not returned", name);
				return;
			}
			try {
				this.beats.execute(() -> {
					try {
						beat.run();
					}
					catch (RuntimeException ex) {
						logger.warn("Heartbeat of consumer '{}' failed", name, ex);
					}
					finally {
						beating.set(false);
					}
				});
			}
			catch (RuntimeException ex) {
				// Rejected: the heartbeats are closing.
				beating.set(false);
			}
		}, millis, millis, TimeUnit.MILLISECONDS);
	}

	@Override
	public void close() {
		this.clock.shutdownNow();
		this.beats.shutdownNow();
	}

	private static ThreadFactory daemon(String name) {
		AtomicInteger count = new AtomicInteger();
		return (task) -> {
			Thread thread = new Thread(task, name.endsWith("-") ? name + count.incrementAndGet() : name);
			thread.setDaemon(true);
			return thread;
		};
	}

}
