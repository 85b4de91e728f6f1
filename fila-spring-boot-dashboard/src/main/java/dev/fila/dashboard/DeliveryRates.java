package dev.fila.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deliveries and failures per second of each queue over the last minutes: every
 * {@link #DEFAULT_INTERVAL} a daemon thread reads the {@link DeliveryLog}'s running totals
 * and keeps the rates since the previous sample in a ring per queue (by default
 * {@link #DEFAULT_WINDOW} of them), and runs the log's {@link DeliveryLog#housekeeping()}.
 * {@link #start()} starts the thread, {@link #close()} stops it.
 */
public class DeliveryRates implements AutoCloseable {

	/** How often the totals are sampled by default. */
	public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

	/** How far back the rates go by default. */
	public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

	private static final Logger logger = LoggerFactory.getLogger(DeliveryRates.class);

	private final DeliveryLog log;

	private final Duration interval;

	private final int capacity;

	private final LongSupplier clock;

	private final Map<String, Series> series = new ConcurrentHashMap<>();

	private @Nullable ScheduledExecutorService scheduler;

	/**
	 * @param log the totals to sample
	 */
	public DeliveryRates(DeliveryLog log) {
		this(log, DEFAULT_INTERVAL, DEFAULT_WINDOW, System::currentTimeMillis);
	}

	/**
	 * @param log the totals to sample
	 * @param interval how often to sample
	 * @param window how far back to keep the rates
	 * @param clock the current time in epoch milliseconds
	 */
	public DeliveryRates(DeliveryLog log, Duration interval, Duration window, LongSupplier clock) {
		if (interval.toMillis() < 1 || window.compareTo(interval) < 0) {
			throw new IllegalArgumentException(
					"interval must be at least 1ms and window at least interval, was " + interval + " and " + window);
		}
		this.log = log;
		this.interval = interval;
		this.capacity = (int) Math.min(100_000, window.toMillis() / interval.toMillis());
		this.clock = clock;
	}

	/**
	 * Starts sampling on a daemon thread; does nothing when started.
	 */
	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "fila-dashboard-rates");
			thread.setDaemon(true);
			return thread;
		});
		long period = this.interval.toMillis();
		scheduler.scheduleAtFixedRate(this::sampleSafely, period, period, TimeUnit.MILLISECONDS);
		this.scheduler = scheduler;
	}

	/** @return whether the sampling thread runs */
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * Stops sampling.
	 */
	@Override
	public synchronized void close() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	private void sampleSafely() {
		try {
			sample();
		}
		catch (RuntimeException ex) {
			// Never let the periodic task die: the next sample starts over.
			logger.debug("Sampling delivery rates failed", ex);
		}
	}

	/**
	 * Takes one sample of every logged queue now, after the log's housekeeping (the sampling
	 * thread calls it every interval).
	 */
	public void sample() {
		long now = this.clock.getAsLong();
		for (String queue : this.log.housekeeping()) {
			this.series.remove(queue);
		}
		for (String queue : this.log.queues()) {
			DeliveryLog.Totals totals = this.log.totals(queue);
			this.series.computeIfAbsent(queue, (name) -> new Series(this.capacity)).sample(now, totals);
		}
		this.series.keySet().retainAll(this.log.queues());
	}

	/**
	 * @param queue a queue name
	 * @return the queue's rates, oldest first; empty before two samples
	 */
	public List<Rate> rates(String queue) {
		Series series = this.series.get(queue);
		return (series != null) ? series.rates() : List.of();
	}

	/** @return how often the totals are sampled */
	public Duration getInterval() {
		return this.interval;
	}

	/**
	 * The rates of one queue between two samples.
	 *
	 * @param t when the later sample was taken, in epoch milliseconds
	 * @param delivered deliveries per second
	 * @param failed failed deliveries per second
	 */
	public record Rate(long t, double delivered, double failed) {
	}

	private static final class Series {

		private final Rate[] ring;

		private int next;

		private int size;

		private long lastAt = Long.MIN_VALUE;

		private long lastDelivered;

		private long lastFailed;

		Series(int capacity) {
			this.ring = new Rate[capacity];
		}

		synchronized void sample(long now, DeliveryLog.Totals totals) {
			if (this.lastAt != Long.MIN_VALUE && now > this.lastAt) {
				double seconds = (now - this.lastAt) / 1000.0;
				// A total lower than before: the queue was forgotten and logged again.
				long delivered = Math.max(0, totals.delivered() - this.lastDelivered);
				long failed = Math.max(0, totals.failed() - this.lastFailed);
				this.ring[this.next] = new Rate(now, round(delivered / seconds), round(failed / seconds));
				this.next = (this.next + 1) % this.ring.length;
				this.size = Math.min(this.size + 1, this.ring.length);
			}
			this.lastAt = now;
			this.lastDelivered = totals.delivered();
			this.lastFailed = totals.failed();
		}

		synchronized List<Rate> rates() {
			List<Rate> rates = new ArrayList<>(this.size);
			int first = (this.next - this.size + this.ring.length) % this.ring.length;
			for (int i = 0; i < this.size; i++) {
				rates.add(this.ring[(first + i) % this.ring.length]);
			}
			return rates;
		}

		private static double round(double rate) {
			return Math.round(rate * 100) / 100.0;
		}

	}

}
