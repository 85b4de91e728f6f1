package dev.fila.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.fila.core.FilaTemplate;
import dev.fila.core.QueueStats;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;

/**
 * Queue gauges and driver-side counters, tagged {@code queue} and {@code driver}:
 * {@code fila.queue.depth} (pending plus delayed), {@code fila.queue.in_flight},
 * {@code fila.queue.fairness_keys}, {@code fila.queue.consumers} (running consumers),
 * {@code fila.queue.oldest_age} (how long the oldest pending message has waited),
 * {@code fila.messages.expired} (leases that ran out) and {@code fila.throttle.limited}
 * (scheduling passes in which a throttle held a message back).
 * <p>
 * Reading a queue's statistics can cost a driver a round trip, so a background thread
 * refreshes a snapshot of every queue in use (and of its dead-letter queue) every
 * {@code refreshInterval}; meters read the snapshot and never block. Gauges read NaN while
 * a queue's driver cannot be read. Queues that disappear (deleted) lose their meters;
 * temporary request-reply queues get none.
 */
public class FilaQueueMetrics implements SmartLifecycle {

	static final String DEPTH = "fila.queue.depth";

	static final String IN_FLIGHT = "fila.queue.in_flight";

	static final String FAIRNESS_KEYS = "fila.queue.fairness_keys";

	static final String CONSUMERS = "fila.queue.consumers";

	static final String OLDEST_AGE = "fila.queue.oldest_age";

	/**
	 * Above this many fairness keys the oldest age is not read: finding it looks at the head of
	 * every key (a peek), which would cost the broker more than a gauge is worth.
	 */
	static final int OLDEST_AGE_MAX_KEYS = 1000;

	static final String EXPIRED = "fila.messages.expired";

	static final String THROTTLE_LIMITED = "fila.throttle.limited";

	private static final Logger logger = LoggerFactory.getLogger(FilaQueueMetrics.class);

	private final FilaQueues queues;

	private final @Nullable FilaListenerRegistry listenerRegistry;

	private final MeterRegistry registry;

	private final Duration refreshInterval;

	private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

	private final Map<String, List<Meter>> meters = new LinkedHashMap<>();

	private final Object refreshMonitor = new Object();

	private final Object lifecycleMonitor = new Object();

	private @Nullable ScheduledExecutorService scheduler;

	/**
	 * @param queues the queues to watch (those in use, declared or not)
	 * @param listenerRegistry the consumers, to count them per queue; {@code null} for none
	 * @param registry where the meters go
	 * @param refreshInterval how often the snapshot is refreshed
	 */
	public FilaQueueMetrics(FilaQueues queues, @Nullable FilaListenerRegistry listenerRegistry, MeterRegistry registry,
			Duration refreshInterval) {
		this.queues = queues;
		this.listenerRegistry = listenerRegistry;
		this.registry = registry;
		this.refreshInterval = refreshInterval;
	}

	/**
	 * Reads every watched queue's statistics now, registers meters for new queues and removes
	 * those of queues that are gone. Called periodically once started.
	 */
	public void refresh() {
		synchronized (this.refreshMonitor) {
			Map<String, FilaDriver> watched = watchedQueues();
			for (Map.Entry<String, FilaDriver> entry : watched.entrySet()) {
				String queue = entry.getKey();
				FilaDriver driver = entry.getValue();
				this.snapshots.put(queue, read(queue, driver, this.snapshots.get(queue)));
				if (!this.meters.containsKey(queue)) {
					this.meters.put(queue, register(queue, driver.name()));
				}
			}
			this.meters.entrySet().removeIf((entry) -> {
				if (watched.containsKey(entry.getKey())) {
					return false;
				}
				entry.getValue().forEach(this.registry::remove);
				this.snapshots.remove(entry.getKey());
				return true;
			});
		}
	}

	private Map<String, FilaDriver> watchedQueues() {
		Map<String, FilaDriver> watched = new LinkedHashMap<>();
		for (QueueBinding binding : this.queues.bindings()) {
			String name = binding.name();
			if (name.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
				continue;
			}
			watched.put(name, binding.driver());
			if (!QueueSpec.isDeadLetterQueue(name) && binding.definition().deadLetter()) {
				watched.putIfAbsent(QueueSpec.deadLetterQueueOf(name), binding.driver());
			}
		}
		return watched;
	}

	private static Snapshot read(String queue, FilaDriver driver, @Nullable Snapshot previous) {
		try {
			QueueStats stats = driver.stats(queue);
			return new Snapshot(stats.pending() + stats.delayed(), stats.inFlight(), stats.keys().size(),
					driver.expiredLeases(queue), driver.throttleLimited(queue), oldestAgeSeconds(queue, driver, stats));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read statistics of queue '{}' from driver '{}'", queue, driver.name(), ex);
			return (previous != null) ? previous.unavailable() : Snapshot.UNAVAILABLE;
		}
	}

	/** The wait of the oldest pending message; 0 for none, NaN where it cannot be read cheaply. */
	private static double oldestAgeSeconds(String queue, FilaDriver driver, QueueStats stats) {
		if (stats.pending() == 0) {
			return 0;
		}
		if (stats.keys().size() > OLDEST_AGE_MAX_KEYS) {
			return Double.NaN;
		}
		try {
			List<PendingMessage> oldest = driver.peek(queue, 1);
			if (oldest.isEmpty()) {
				return 0;
			}
			return Math.max(0, System.currentTimeMillis() - oldest.get(0).enqueuedAt().toEpochMilli()) / 1000.0;
		}
		catch (UnsupportedOperationException ex) {
			return Double.NaN;
		}
	}

	private List<Meter> register(String queue, String driver) {
		Tags tags = Tags.of("queue", queue, "driver", driver);
		List<Meter> registered = new ArrayList<>();
		registered.add(Gauge.builder(DEPTH, this, (metrics) -> metrics.snapshot(queue).depth())
			.description("Messages waiting in the queue: pending (throttled included) plus delayed retries")
			.baseUnit("messages")
			.tags(tags)
			.register(this.registry));
		registered.add(Gauge.builder(IN_FLIGHT, this, (metrics) -> metrics.snapshot(queue).inFlight())
			.description("Messages leased to consumers")
			.baseUnit("messages")
			.tags(tags)
			.register(this.registry));
		registered.add(Gauge.builder(FAIRNESS_KEYS, this, (metrics) -> metrics.snapshot(queue).fairnessKeys())
			.description("Fairness keys with pending, in-flight or delayed messages")
			.baseUnit("keys")
			.tags(tags)
			.register(this.registry));
		registered.add(Gauge.builder(OLDEST_AGE, this, (metrics) -> metrics.snapshot(queue).oldestAgeSeconds())
			.description("How long the oldest pending message has waited since it was enqueued; NaN where the"
					+ " driver cannot read it (amqp) or the queue has over " + OLDEST_AGE_MAX_KEYS + " fairness keys")
			.baseUnit("seconds")
			.tags(tags)
			.register(this.registry));
		registered.add(Gauge.builder(CONSUMERS, this, (metrics) -> metrics.runningConsumers(queue))
			.description("Running consumers of the queue in this application")
			.baseUnit("consumers")
			.tags(tags)
			.register(this.registry));
		registered.add(FunctionCounter.builder(EXPIRED, this, (metrics) -> metrics.snapshot(queue).expired())
			.description("Leases that expired before their message was settled (a consumer died or got stuck)")
			.baseUnit("messages")
			.tags(tags)
			.register(this.registry));
		registered.add(
				FunctionCounter.builder(THROTTLE_LIMITED, this, (metrics) -> metrics.snapshot(queue).throttleLimited())
					.description("Scheduling passes in which a throttle held a message back")
					.tags(tags)
					.register(this.registry));
		return registered;
	}

	private Snapshot snapshot(String queue) {
		return this.snapshots.getOrDefault(queue, Snapshot.UNAVAILABLE);
	}

	private double runningConsumers(String queue) {
		if (this.listenerRegistry == null) {
			return 0;
		}
		int running = 0;
		for (FilaListenerContainer container : this.listenerRegistry.getContainers()) {
			if (container.isRunning() && container.getQueueName().equals(queue)) {
				running++;
			}
		}
		return running;
	}

	@Override
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.scheduler != null) {
				return;
			}
			ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "fila-metrics");
				thread.setDaemon(true);
				return thread;
			});
			long period = Math.max(1, this.refreshInterval.toMillis());
			started.scheduleWithFixedDelay(this::refreshQuietly, 0, period, TimeUnit.MILLISECONDS);
			this.scheduler = started;
		}
	}

	private void refreshQuietly() {
		try {
			refresh();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not refresh Fila queue metrics", ex);
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService stopping;
		synchronized (this.lifecycleMonitor) {
			stopping = this.scheduler;
			this.scheduler = null;
		}
		if (stopping != null) {
			stopping.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	/** The last statistics read of one queue. */
	private record Snapshot(double depth, double inFlight, double fairnessKeys, double expired,
			double throttleLimited, double oldestAgeSeconds) {

		static final Snapshot UNAVAILABLE = new Snapshot(Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN);

		/** Gauges go NaN, counters keep their last value. */
		Snapshot unavailable() {
			return new Snapshot(Double.NaN, Double.NaN, Double.NaN, this.expired, this.throttleLimited, Double.NaN);
		}

	}

}
