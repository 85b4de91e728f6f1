package dev.fila.listener;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.core.task.SimpleAsyncTaskExecutor;

import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.driver.QueueSpec;
import dev.fila.observation.FilaListenerObservationConvention;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueNames;

/**
 * Creates listener containers: merges an endpoint's own settings with
 * {@code fila.consumers.<id>} (configuration wins), validates them and binds the queue.
 */
public class FilaListenerContainerFactory implements AutoCloseable {

	private final FilaQueues queues;

	private final Map<String, ConsumerConfig> configured;

	private final Set<String> scriptHandlerIds;

	private final LeaseHeartbeats heartbeats = new LeaseHeartbeats();

	/** Runs worker loops, one thread each: platform threads unless the application sets others. */
	private Executor workerExecutor = new SimpleAsyncTaskExecutor("fila-worker-");

	/**
	 * @param queues resolves queues
	 * @param configured consumer settings from configuration, by consumer id
	 */
	public FilaListenerContainerFactory(FilaQueues queues, Map<String, ConsumerConfig> configured) {
		this(queues, configured, Set.of());
	}

	/**
	 * @param queues resolves queues
	 * @param configured consumer settings from configuration, by consumer id
	 * @param scriptHandlerIds ids of configured consumers whose handler is a script
	 */
	public FilaListenerContainerFactory(FilaQueues queues, Map<String, ConsumerConfig> configured,
			Set<String> scriptHandlerIds) {
		this.queues = queues;
		this.configured = Map.copyOf(configured);
		this.scriptHandlerIds = Set.copyOf(scriptHandlerIds);
	}

	private FilaMetricsRecorder metricsRecorder = FilaMetricsRecorder.NONE;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private @Nullable FilaListenerObservationConvention observationConvention;

	/**
	 * @param metricsRecorder given to every container created from now on
	 */
	public void setMetricsRecorder(FilaMetricsRecorder metricsRecorder) {
		this.metricsRecorder = metricsRecorder;
	}

	/**
	 * @param workerExecutor runs the worker loops of every container created from now on; it
	 * must run each task on a thread of its own at once (as a {@link SimpleAsyncTaskExecutor}
	 * does, with platform or virtual threads), since a worker loop runs until its consumer stops
	 */
	public void setWorkerExecutor(Executor workerExecutor) {
		this.workerExecutor = workerExecutor;
	}

	/**
	 * @param observationRegistry given to every container created from now on
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	/**
	 * @param observationConvention given to every container created from now on, or {@code null}
	 */
	public void setObservationConvention(@Nullable FilaListenerObservationConvention observationConvention) {
		this.observationConvention = observationConvention;
	}

	/**
	 * @param id a consumer id
	 * @return whether the consumer is configured with a script handler rather than a method
	 */
	public boolean hasScriptHandler(String id) {
		return this.scriptHandlerIds.contains(id);
	}

	/** @return the consumer ids configured under {@code fila.consumers} */
	public Set<String> configuredIds() {
		return this.configured.keySet();
	}

	/** Stops the heartbeat threads. */
	@Override
	public void close() {
		this.heartbeats.close();
	}

	/**
	 * @param endpoint the consumer to create
	 * @return its container, not started
	 * @throws FilaConfigurationException when a setting is out of range or the queue is invalid
	 */
	public FilaListenerContainer create(FilaListenerEndpoint endpoint) {
		ConsumerConfig fromProperties = this.configured.getOrDefault(endpoint.id(), ConsumerConfig.EMPTY);
		ConsumerConfig declared = endpoint.declared();
		Setting<String> queue = pick(endpoint, fromProperties.queue(), declared.queue(), "queue");
		if (queue.value() == null) {
			// Name the declaration the user wrote (an annotation's blank queue), not only a property never set.
			throw new FilaConfigurationException(queue.property() + " (or fila.consumers." + endpoint.id() + ".queue)",
					null, "a queue name");
		}
		String queueName = queue.value();
		if (QueueNames.problem(QueueSpec.isDeadLetterQueue(queueName) ? QueueNames.sourceOf(queueName) : queueName) != null) {
			throw new FilaConfigurationException(queue.property(), queue.value(), QueueNames.RULE);
		}
		int concurrency = ranged(pick(endpoint, fromProperties.concurrency(), declared.concurrency(), "concurrency"), ConsumerSettings.DEFAULT_CONCURRENCY, 1000, ConsumerSettings.CONCURRENCY_RANGE);
		int prefetch = ranged(pick(endpoint, fromProperties.prefetch(), declared.prefetch(), "prefetch"), ConsumerSettings.DEFAULT_PREFETCH, 10000, ConsumerSettings.PREFETCH_RANGE);
		Boolean autoStartup = first(fromProperties.autoStartup(), declared.autoStartup());
		Duration shutdownTimeout = first(fromProperties.shutdownTimeout(), declared.shutdownTimeout());
		ConsumerSettings settings = new ConsumerSettings(endpoint.id(), queue.value(), concurrency, prefetch,
				(autoStartup != null) ? autoStartup : true,
				(shutdownTimeout != null) ? shutdownTimeout : ConsumerSettings.DEFAULT_SHUTDOWN_TIMEOUT);
		QueueBinding binding;
		try {
			binding = this.queues.binding(queue.value());
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new FilaConfigurationException(queue.property(), queue.value(),
					"a queue whose driver is configured (" + ex.getMessage() + ")", ex);
		}
		if (QueueSpec.isDeadLetterQueue(queueName)) {
			QueueBinding source = this.queues.binding(QueueNames.sourceOf(queueName));
			if (!source.definition().deadLetter()) {
				throw new FilaConfigurationException(queue.property(), queueName,
						"a dead-letter queue whose source queue keeps one, but 'fila.queues." + source.name()
								+ ".dead-letter' is false, so nothing ever arrives in it");
			}
		}
		FilaListenerContainer container = new FilaListenerContainer(settings, binding, endpoint.handler(),
				this.heartbeats, this.workerExecutor);
		container.setMetricsRecorder(this.metricsRecorder);
		container.setObservationRegistry(this.observationRegistry);
		container.setObservationConvention(this.observationConvention);
		return container;
	}

	private static <T> @Nullable T first(@Nullable T preferred, @Nullable T fallback) {
		return (preferred != null) ? preferred : fallback;
	}

	private static int ranged(Setting<Integer> setting, int defaultValue, int max, String allowed) {
		Integer value = setting.value();
		if (value == null) {
			return defaultValue;
		}
		if (value < 1 || value > max) {
			throw new FilaConfigurationException(setting.property(), value, allowed);
		}
		return value;
	}

	private static <T> Setting<T> pick(FilaListenerEndpoint endpoint, @Nullable T fromProperties,
			@Nullable T declared, String name) {
		if (fromProperties != null) {
			return new Setting<>(fromProperties, "fila.consumers." + endpoint.id() + "." + name);
		}
		return new Setting<>(declared, endpoint.origin() + " attribute '" + name + "'");
	}

	private record Setting<T>(@Nullable T value, String property) {
	}

}
