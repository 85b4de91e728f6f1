package dev.fila.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes temporary queues past their deadline, whoever created them: reply queues of a
 * requester that died before deleting its own. Every instance sweeps, on a thread of its own,
 * every {@link #SWEEP_INTERVAL}: one script call, a few more when there is something to delete.
 */
final class RedisHousekeeping implements AutoCloseable {

	// The driver's logger: the split into classes must not move its messages to other categories.
	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	/** How often an instance deletes temporary queues past their deadline. */
	static final Duration SWEEP_INTERVAL = Duration.ofSeconds(60);

	/** Most temporary queues one sweep deletes; more wait for the next. */
	private static final int MAX_SWEPT = 100;

	private final String driverName;

	private final RedisQueues queues;

	/** The driver's whole delete, which also forgets what this instance holds of the queue. */
	private final Consumer<String> deleteQueue;

	private final ScheduledExecutorService executor;

	RedisHousekeeping(String driverName, RedisQueues queues, Consumer<String> deleteQueue) {
		this.driverName = driverName;
		this.queues = queues;
		this.deleteQueue = deleteQueue;
		this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "fila-redis-" + driverName);
			thread.setDaemon(true);
			return thread;
		});
	}

	void start() {
		// Spread out, so that instances started together do not sweep together.
		long first = SWEEP_INTERVAL.toMillis() / 2 + ThreadLocalRandom.current().nextLong(SWEEP_INTERVAL.toMillis());
		this.executor.scheduleWithFixedDelay(this::sweepQuietly, first, SWEEP_INTERVAL.toMillis(),
				TimeUnit.MILLISECONDS);
	}

	/**
	 * Deletes temporary queues past their deadline. A live request's queue is never among them:
	 * its deadline is the request's timeout and a margin after its creation, on Redis time.
	 * @return how many queues were deleted
	 */
	int sweepExpiredQueues() {
		List<String> due = this.queues.takeExpired(MAX_SWEPT);
		int deleted = 0;
		for (String queue : due) {
			this.deleteQueue.accept(queue);
			deleted++;
		}
		if (deleted > 0) {
			logger.info("Deleted {} temporary queue(s) past their deadline: reply queues of requesters that died",
					deleted);
		}
		return deleted;
	}

	private void sweepQuietly() {
		try {
			sweepExpiredQueues();
		}
		catch (RuntimeException ex) {
			logger.debug("Driver '{}': could not sweep expired temporary queues ({}); trying again later",
					this.driverName, ex.getMessage());
		}
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
