package dev.fila.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.KeyStats;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.core.ThrottleStats;
import dev.fila.config.InMemorySettingsStore;
import dev.fila.config.RuntimeConfig;
import dev.fila.config.SharedSettings;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.QueueSpec;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.FilaThrottles;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueNames;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

/**
 * Operations on queues, dead-letter queues, throttles and runtime configuration.
 */
public class DefaultFilaAdmin implements FilaAdmin {

	private final FilaQueues queues;

	private final RuntimeConfig runtimeConfig;

	private FilaMetricsRecorder metricsRecorder = FilaMetricsRecorder.NONE;

	private final FilaThrottles throttles;

	private final FilaFlowControl flowControl;

	/**
	 * An admin whose throttles live in this JVM.
	 * @param queues the queues
	 * @param runtimeConfig the runtime configuration
	 */
	public DefaultFilaAdmin(FilaQueues queues, RuntimeConfig runtimeConfig) {
		this(queues, runtimeConfig, new FilaThrottles(queues.drivers(),
				new SharedSettings(new InMemorySettingsStore(), FilaThrottles.NAMESPACE)));
	}

	/**
	 * @param queues the queues
	 * @param runtimeConfig the runtime configuration
	 * @param throttles the throttles
	 */
	public DefaultFilaAdmin(FilaQueues queues, RuntimeConfig runtimeConfig, FilaThrottles throttles) {
		this(queues, runtimeConfig, throttles,
				new FilaFlowControl(queues.drivers(), new SharedSettings(new InMemorySettingsStore(), FilaFlowControl.NAMESPACE)));
	}

	/**
	 * @param queues the queues
	 * @param runtimeConfig the runtime configuration
	 * @param throttles the throttles
	 * @param flowControl the pauses and weight overrides
	 */
	public DefaultFilaAdmin(FilaQueues queues, RuntimeConfig runtimeConfig, FilaThrottles throttles,
			FilaFlowControl flowControl) {
		this.queues = queues;
		this.runtimeConfig = runtimeConfig;
		this.throttles = throttles;
		this.flowControl = flowControl;
	}

	/**
	 * @param metricsRecorder told about redrives
	 */
	public void setMetricsRecorder(FilaMetricsRecorder metricsRecorder) {
		this.metricsRecorder = metricsRecorder;
	}

	/**
	 * Creates a queue (and its dead-letter queue) on its configured driver, or on the default
	 * driver with default settings when it is not declared. Does nothing when it exists, on
	 * any driver.
	 * @param queue the queue name
	 */
	@Override
	public void createQueue(String queue) {
		QueueNames.validate(queue);
		if (!this.queues.isDeclared(queue) && this.queues.find(queue) == null
				&& !this.queues.drivers().get(null).queueExists(queue)) {
			try {
				// Another instance created it on another driver: a second queue of that name on the
				// default driver would hide it (and its messages) from this instance.
				this.queues.existing(queue);
				return;
			}
			catch (QueueNotFoundException ex) {
				// It exists nowhere: created on the default driver below.
			}
		}
		this.queues.binding(queue);
	}

	/**
	 * Deletes a queue, its dead-letter queue and their messages.
	 * @param queue the queue name
	 * @return whether the queue existed
	 */
	@Override
	public boolean deleteQueue(String queue) {
		QueueNames.validate(queue);
		FilaDriver driver;
		try {
			driver = this.queues.existing(queue).driver();
		}
		catch (QueueNotFoundException ex) {
			return false;
		}
		this.queues.forget(queue);
		this.queues.forget(QueueSpec.deadLetterQueueOf(queue));
		this.flowControl.forget(queue);
		this.flowControl.forget(QueueSpec.deadLetterQueueOf(queue));
		driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
		return driver.deleteQueue(queue);
	}

	/** @return the names of the queues of every driver, dead-letter queues included, sorted */
	@Override
	public List<String> listQueues() {
		TreeSet<String> names = new TreeSet<>();
		for (FilaDriver driver : this.queues.drivers().all()) {
			names.addAll(driver.listQueues());
		}
		return List.copyOf(names);
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @return pending, in-flight and delayed counts with a per fairness key breakdown
	 */
	@Override
	public QueueStats stats(String queue) {
		QueueBinding binding = this.queues.existing(queue);
		QueueStats stats = binding.driver().stats(binding.name());
		QueueFlow flow = this.flowControl.flow(binding.name());
		if (flow.equals(QueueFlow.NONE)) {
			return stats;
		}
		List<KeyStats> keys = new ArrayList<>(stats.keys().size());
		for (KeyStats key : stats.keys()) {
			keys.add(new KeyStats(key.key(), key.pending(), key.inFlight(), key.delayed(),
					flow.weight(key.key(), key.weight()), flow.isKeyPaused(key.key()), flow.limitOf(key.key())));
		}
		return new QueueStats(stats.queue(), stats.driver(), stats.pending(), stats.inFlight(), stats.delayed(), keys,
				flow.paused());
	}

	/**
	 * Moves messages from a dead-letter queue back to their source queue as new deliveries.
	 * @param deadLetterQueue the dead-letter queue, {@code <queue>.dlq}
	 * @param count the most messages to move
	 * @return how many moved
	 */
	@Override
	public int redrive(String deadLetterQueue, int count) {
		QueueNames.validateReadable(deadLetterQueue);
		if (!QueueSpec.isDeadLetterQueue(deadLetterQueue)) {
			throw new IllegalArgumentException("'" + deadLetterQueue + "' is not a dead-letter queue (<queue>.dlq)");
		}
		if (count < 0) {
			throw new IllegalArgumentException("count must not be negative, was " + count);
		}
		QueueBinding binding = this.queues.existing(deadLetterQueue);
		int moved = binding.driver().redrive(binding.name(), count);
		if (moved > 0) {
			this.metricsRecorder.redriven(QueueNames.sourceOf(deadLetterQueue), binding.driver().name(), moved);
		}
		return moved;
	}

	@Override
	public List<FilaMessage> peek(String queue, int count) {
		if (count < 1 || count > MAX_PEEK) {
			throw new IllegalArgumentException("count must be between 1 and " + MAX_PEEK + ", was " + count);
		}
		QueueBinding binding = this.queues.existing(queue);
		return List.copyOf(binding.driver().peek(binding.name(), count));
	}

	/**
	 * Removes every pending and delayed message of a queue.
	 * @param queue a queue or dead-letter queue name
	 * @return how many were removed
	 */
	@Override
	public long purge(String queue) {
		QueueBinding binding = this.queues.existing(queue);
		return binding.driver().purge(binding.name());
	}

	/**
	 * Sets a runtime configuration value, visible to the next {@code fila.get(key)}.
	 * @param key the key, not empty
	 * @param value the value
	 */
	@Override
	public void setConfig(String key, String value) {
		this.runtimeConfig.set(requireConfigKey(key), value);
	}

	/**
	 * @param key the key
	 * @return the runtime configuration value, if set
	 */
	@Override
	public Optional<String> getConfig(String key) {
		return this.runtimeConfig.get(requireConfigKey(key));
	}

	/**
	 * @param prefix a key prefix, empty for all
	 * @return the matching runtime configuration entries, sorted by key
	 */
	@Override
	public Map<String, String> listConfig(String prefix) {
		if (prefix == null) {
			throw new IllegalArgumentException("A runtime configuration prefix must not be null (empty lists every key)");
		}
		return this.runtimeConfig.list(prefix);
	}

	/**
	 * Creates or changes a throttle on every driver and, where the settings are shared (Redis,
	 * RabbitMQ), on every instance and across restarts.
	 * @param key the throttle key, not empty
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 */
	@Override
	public void setThrottle(String key, double rate, long burst) {
		requireNonEmpty("A throttle key", key);
		if (!(rate > 0) || Double.isInfinite(rate) || burst < 1) {
			throw new IllegalArgumentException("Throttle '" + key + "' needs a finite rate > 0 and burst >= 1, was rate="
					+ rate + ", burst=" + burst);
		}
		this.throttles.set(key, rate, burst);
	}

	/**
	 * @return every throttle, sorted by key, with the permits its bucket on the default driver
	 * holds now
	 */
	@Override
	public List<ThrottleStats> throttles() {
		FilaDriver driver = this.queues.drivers().get(null);
		List<ThrottleStats> stats = new ArrayList<>();
		this.throttles.all()
			.forEach((key, throttle) -> stats.add(new ThrottleStats(key, throttle.rate(), throttle.burst(),
					driver.availablePermits(key))));
		return stats;
	}

	@Override
	public void pause(String queue) {
		this.flowControl.setPaused(this.queues.existing(queue).name(), true);
	}

	@Override
	public void resume(String queue) {
		this.flowControl.setPaused(this.queues.existing(queue).name(), false);
	}

	@Override
	public void pauseKey(String queue, String key) {
		QueueBinding binding = this.queues.existing(queue);
		this.flowControl.setKeyPaused(binding.name(), requireCarriedKey(binding, key), true);
	}

	@Override
	public void resumeKey(String queue, String key) {
		this.flowControl.setKeyPaused(this.queues.existing(queue).name(), requireKey(key), false);
	}

	@Override
	public void setKeyWeight(String queue, String key, double weight) {
		QueueBinding binding = this.queues.existing(queue);
		this.flowControl.setKeyWeight(binding.name(), (weight > 0) ? requireCarriedKey(binding, key) : requireKey(key),
				weight);
	}

	@Override
	public void setKeyMaxInFlight(String queue, String key, int maxInFlight) {
		QueueBinding binding = this.queues.existing(queue);
		this.flowControl.setKeyMaxInFlight(binding.name(),
				(maxInFlight > 0) ? requireCarriedKey(binding, key) : requireKey(key), maxInFlight);
	}

	private static String requireConfigKey(String key) {
		return requireNonEmpty("A runtime configuration key", key);
	}

	/** Refused before anything is stored: a shared store would keep a null or empty key. */
	private static String requireNonEmpty(String what, String key) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException(what + " must not be null or empty, was " + ((key != null) ? "''" : "null"));
		}
		return key;
	}

	/**
	 * A key that some message of the queue could have: the driver counts the fairness key in a
	 * message's header bytes, so a longer one can only be stored, shared with every instance
	 * (in one settings record) and never match. Removals take any key.
	 */
	private static String requireCarriedKey(QueueBinding queue, String key) {
		requireKey(key);
		int max = queue.driver().limits().maxHeaderBytes();
		// Past max characters it is past max bytes: no need to encode a megabyte to say so.
		boolean overLength = key.length() > max;
		int bytes = overLength ? key.length() : key.getBytes(StandardCharsets.UTF_8).length;
		if (bytes > max) {
			throw new IllegalArgumentException("A fairness key of " + (overLength ? "at least " : "") + bytes
					+ " bytes (UTF-8) is on no message of queue '" + queue.name() + "': its driver '"
					+ queue.driver().name() + "' takes at most " + max
					+ " header bytes, the fairness key included; the key starts '"
					+ key.substring(0, Math.min(key.length(), 40)) + "'");
		}
		return key;
	}

	private static String requireKey(String key) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException("A fairness key must not be null or empty (the default key is '"
					+ Scheduling.DEFAULT_KEY + "')");
		}
		return key;
	}

}
