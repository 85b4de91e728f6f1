package dev.fila.queue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.Setting;
import dev.fila.config.SharedSettings;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.scheduling.QueueFlow;

/**
 * An operator's pauses and weight overrides: settings in the {@value #NAMESPACE} namespace
 * (shared by every instance and kept across restarts where the settings store allows), given to
 * every driver whenever they change, here and, through the settings watcher, on every other
 * instance. Drivers enforce them; see {@link FilaDriver#applyFlow}.
 * <p>
 * A setting's key is its kind, the length of the queue name and the queue name, then the
 * fairness key: {@code key-paused:6:ordersacme} pauses key {@code acme} of queue {@code orders}.
 * The length keeps any queue name and key apart without escaping.
 */
public class FilaFlowControl implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(FilaFlowControl.class);

	/** The namespace of flow control in the settings store. */
	public static final String NAMESPACE = "flow";

	private static final String QUEUE_PAUSED = "queue-paused";

	private static final String KEY_PAUSED = "key-paused";

	private static final String KEY_WEIGHT = "key-weight";

	/** With a key: that key's in-flight limit; without: the queue's limit for every key. */
	private static final String KEY_MAX_IN_FLIGHT = "key-max-in-flight";

	private static final String MAX_IN_FLIGHT = "max-in-flight";

	/** The queue's priority aging, in milliseconds. */
	private static final String PRIORITY_AGING = "priority-aging";

	/**
	 * The smallest weight override: round robin arithmetic on smaller ones overflows (a key
	 * would need more than 10^300 rounds for one credit).
	 */
	public static final double MIN_WEIGHT = 1e-6;

	/** The largest weight override, for the same reason. */
	public static final double MAX_WEIGHT = 1e6;

	/** How often every queue's state is given to the drivers again, changed or not. */
	public static final Duration REAPPLY_INTERVAL = Duration.ofSeconds(30);

	private final FilaDrivers drivers;

	private final SharedSettings settings;

	private @Nullable ScheduledExecutorService reapplier;

	/**
	 * @param drivers the drivers that enforce the state
	 * @param settings the {@value #NAMESPACE} namespace
	 */
	public FilaFlowControl(FilaDrivers drivers, SharedSettings settings) {
		this.drivers = drivers;
		this.settings = settings;
		settings.addListener(this::changed);
	}

	/** Loads the stored state and gives every queue's to the drivers; at start-up. */
	public void load() {
		this.settings.reload();
		applyAll();
	}

	/**
	 * Gives every queue's state to the drivers again at this interval, so that what a single
	 * apply can miss is set right within it: an apply that failed (the broker was away), a
	 * queue Redis lost and the driver created again, a queue created while its state changed.
	 * @param interval the interval
	 */
	public synchronized void reapplyEvery(Duration interval) {
		if (this.reapplier != null) {
			return;
		}
		this.reapplier = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fila-flow-reapply");
			thread.setDaemon(true);
			return thread;
		});
		long millis = interval.toMillis();
		this.reapplier.scheduleWithFixedDelay(this::applyAll, millis, millis, TimeUnit.MILLISECONDS);
	}

	@Override
	public synchronized void close() {
		if (this.reapplier != null) {
			this.reapplier.shutdownNow();
			this.reapplier = null;
		}
	}

	private void applyAll() {
		Set<String> queues = new HashSet<>();
		for (String settingKey : this.settings.all().keySet()) {
			Parsed parsed = Parsed.of(settingKey);
			if (parsed != null) {
				queues.add(parsed.queue());
			}
		}
		queues.forEach(this::apply);
	}

	/** @return the namespace, for the settings watcher */
	public SharedSettings settings() {
		return this.settings;
	}

	/**
	 * Applies the configured in-flight limits of the queues this application declares, by the
	 * settings rule: a limit changed at run time survives a restart with unchanged
	 * configuration, and a changed configuration applies unless overridden at run time. The
	 * limits of queues it does not declare are left as stored (another service declares them).
	 * @param declared the declared queues' limits, by queue name
	 */
	public void seedLimits(Map<String, Limits> declared) {
		Map<String, String> configured = new HashMap<>();
		declared.forEach((queue, limits) -> {
			if (limits.keyMaxInFlight() != null) {
				configured.put(settingKey(KEY_MAX_IN_FLIGHT, queue, ""), limits.keyMaxInFlight().toString());
			}
			if (limits.maxInFlight() != null) {
				configured.put(settingKey(MAX_IN_FLIGHT, queue, ""), limits.maxInFlight().toString());
			}
			if (limits.priorityAging() != null) {
				configured.put(settingKey(PRIORITY_AGING, queue, ""), Long.toString(limits.priorityAging().toMillis()));
			}
		});
		this.settings.seed(configured, (settingKey) -> {
			Parsed parsed = Parsed.of(settingKey);
			return parsed != null && declared.containsKey(parsed.queue()) && parsed.key().isEmpty()
					&& (parsed.kind().equals(KEY_MAX_IN_FLIGHT) || parsed.kind().equals(MAX_IN_FLIGHT)
							|| parsed.kind().equals(PRIORITY_AGING));
		}, "fila.queues.<queue>.(key-)max-in-flight and priority-aging");
	}

	/**
	 * Sets or removes the in-flight limit of one fairness key, which wins over the queue's
	 * {@code key-max-in-flight}.
	 * @param maxInFlight the limit, or {@code <= 0} to remove the override
	 */
	public void setKeyMaxInFlight(String queue, String key, int maxInFlight) {
		this.settings.setAtRuntime(settingKey(KEY_MAX_IN_FLIGHT, queue, key),
				(maxInFlight > 0) ? Integer.toString(maxInFlight) : null);
	}

	/** Pauses or resumes a whole queue. */
	public void setPaused(String queue, boolean paused) {
		this.settings.setAtRuntime(settingKey(QUEUE_PAUSED, queue, ""), paused ? "true" : null);
	}

	/** Pauses or resumes one fairness key of a queue. */
	public void setKeyPaused(String queue, String key, boolean paused) {
		this.settings.setAtRuntime(settingKey(KEY_PAUSED, queue, key), paused ? "true" : null);
	}

	/**
	 * Overrides the weight of a fairness key, or removes the override.
	 * @param weight the weight, or {@code <= 0} to remove the override
	 * @throws IllegalArgumentException when the weight is {@code NaN} or infinite
	 */
	public void setKeyWeight(String queue, String key, double weight) {
		if (Double.isNaN(weight) || Double.isInfinite(weight) || weight > MAX_WEIGHT
				|| (weight > 0 && weight < MIN_WEIGHT)) {
			throw new IllegalArgumentException("The weight of key '" + key + "' of queue '" + queue + "' must be from "
					+ MIN_WEIGHT + " to " + MAX_WEIGHT + " (or <= 0 to remove the override), was " + weight);
		}
		this.settings.setAtRuntime(settingKey(KEY_WEIGHT, queue, key), (weight > 0) ? Double.toString(weight) : null);
	}

	/** Removes every pause and override of a queue: it was deleted. */
	public void forget(String queue) {
		for (String settingKey : List.copyOf(this.settings.all().keySet())) {
			Parsed parsed = Parsed.of(settingKey);
			if (parsed != null && parsed.queue().equals(queue)) {
				this.settings.setAtRuntime(settingKey, null);
			}
		}
	}

	/**
	 * @param queue a queue
	 * @return whether an operator paused it, from the settings (one lookup)
	 */
	public boolean isPaused(String queue) {
		return this.settings.get(settingKey(QUEUE_PAUSED, queue, "")) != null;
	}

	/** @return the queue's state, from the settings */
	public QueueFlow flow(String queue) {
		Set<String> pausedKeys = new HashSet<>();
		Map<String, Double> weights = new HashMap<>();
		Map<String, Integer> keyLimits = new HashMap<>();
		int[] queueLimits = new int[2];
		long[] aging = new long[1];
		this.settings.all().forEach((settingKey, setting) -> {
			Parsed parsed = Parsed.of(settingKey);
			if (parsed == null || !parsed.queue().equals(queue)) {
				return;
			}
			switch (parsed.kind()) {
				case KEY_PAUSED -> pausedKeys.add(parsed.key());
				case KEY_WEIGHT -> {
					Double weight = weight(setting.value());
					if (weight != null) {
						weights.put(parsed.key(), weight);
					}
					else {
						logger.warn("Ignoring the weight of key '{}' of queue '{}': stored value '{}' is not a positive"
								+ " number", parsed.key(), queue, setting.value());
					}
				}
				case KEY_MAX_IN_FLIGHT, MAX_IN_FLIGHT -> {
					Integer limit = limit(setting.value());
					if (limit == null) {
						logger.warn("Ignoring the in-flight limit '{}' of queue '{}': stored value '{}' is not a positive"
								+ " integer", settingKey, queue, setting.value());
					}
					else if (parsed.kind().equals(MAX_IN_FLIGHT)) {
						queueLimits[1] = limit;
					}
					else if (parsed.key().isEmpty()) {
						queueLimits[0] = limit;
					}
					else {
						keyLimits.put(parsed.key(), limit);
					}
				}
				case PRIORITY_AGING -> {
					Integer millis = limit(setting.value());
					if (millis != null) {
						aging[0] = millis;
					}
					else {
						logger.warn("Ignoring the priority aging of queue '{}': stored value '{}' is not a positive"
								+ " number of milliseconds", queue, setting.value());
					}
				}
				default -> {
				}
			}
		});
		return new QueueFlow(isPaused(queue), pausedKeys, weights, queueLimits[0], keyLimits, queueLimits[1], aging[0]);
	}

	private void changed(String settingKey, @Nullable Setting setting) {
		Parsed parsed = Parsed.of(settingKey);
		if (parsed != null) {
			apply(parsed.queue());
		}
	}

	/**
	 * Reads the queue's state and gives it to every driver, one queue at a time for the whole
	 * application: of two applies, the later one reads the later state.
	 */
	private synchronized void apply(String queue) {
		QueueFlow flow = flow(queue);
		for (FilaDriver driver : this.drivers.all()) {
			try {
				driver.applyFlow(queue, flow);
			}
			catch (RuntimeException ex) {
				// This instance retries at its next start; the others apply it through their watchers.
				logger.warn("Driver '{}' could not apply the pauses and weights of queue '{}': {}", driver.name(),
						queue, ex.getMessage());
			}
		}
	}

	private static @Nullable Integer limit(String value) {
		try {
			int limit = Integer.parseInt(value);
			return (limit > 0) ? limit : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable Double weight(String value) {
		try {
			double weight = Double.parseDouble(value);
			return (weight > 0 && !Double.isInfinite(weight)) ? weight : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	static String settingKey(String kind, String queue, String key) {
		return kind + ":" + queue.length() + ":" + queue + key;
	}

	/**
	 * The configured in-flight limits and priority aging of a declared queue.
	 *
	 * @param keyMaxInFlight {@code fila.queues.<queue>.key-max-in-flight}, or {@code null}
	 * @param maxInFlight {@code fila.queues.<queue>.max-in-flight}, or {@code null}
	 * @param priorityAging {@code fila.queues.<queue>.priority-aging}, or {@code null}
	 */
	public record Limits(@Nullable Integer keyMaxInFlight, @Nullable Integer maxInFlight,
			@Nullable Duration priorityAging) {

		/**
		 * In-flight limits only.
		 * @param keyMaxInFlight {@code fila.queues.<queue>.key-max-in-flight}, or {@code null}
		 * @param maxInFlight {@code fila.queues.<queue>.max-in-flight}, or {@code null}
		 */
		public Limits(@Nullable Integer keyMaxInFlight, @Nullable Integer maxInFlight) {
			this(keyMaxInFlight, maxInFlight, null);
		}

	}

	/** A setting key taken apart; {@code null} from {@link #of} when it is not one of ours. */
	record Parsed(String kind, String queue, String key) {

		static @Nullable Parsed of(String settingKey) {
			int first = settingKey.indexOf(':');
			int second = (first < 0) ? -1 : settingKey.indexOf(':', first + 1);
			if (second < 0) {
				return null;
			}
			try {
				int length = Integer.parseInt(settingKey.substring(first + 1, second));
				int queueEnd = second + 1 + length;
				if (length < 1 || queueEnd > settingKey.length()) {
					return null;
				}
				return new Parsed(settingKey.substring(0, first), settingKey.substring(second + 1, queueEnd),
						settingKey.substring(queueEnd));
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}

	}

}
