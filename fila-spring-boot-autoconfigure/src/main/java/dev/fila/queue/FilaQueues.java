package dev.fila.queue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.fila.core.QueueNotFoundException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.QueueSpec;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;

/**
 * Resolves queue names to {@link QueueBinding bindings}. Declared queues are created on their
 * driver at start-up, and their definitions stored with them where the driver shares settings
 * ({@link StoredQueueDefinitions}); a queue used but not declared takes the stored definition,
 * else the defaults, on the default driver, the first time it is used. A dead-letter queue
 * resolves to the driver of the queue it belongs to.
 */
public class FilaQueues {

	private final FilaDrivers drivers;

	private final Map<String, QueueDefinition> declared;

	private final QueuePolicyFactory policies;

	private final Map<String, QueueBinding> bindings = new ConcurrentHashMap<>();

	private @Nullable StoredQueueDefinitions storedDefinitions;

	public FilaQueues(FilaDrivers drivers, Map<String, QueueDefinition> declared, QueuePolicyFactory policies) {
		this.drivers = drivers;
		this.declared = Map.copyOf(declared);
		this.policies = policies;
	}

	/**
	 * @param storedDefinitions where declared definitions are stored and undeclared queues
	 * find theirs; without it an undeclared queue gets the defaults
	 */
	public void setStoredDefinitions(@Nullable StoredQueueDefinitions storedDefinitions) {
		this.storedDefinitions = storedDefinitions;
	}

	/** Creates every declared queue on its driver, and stores its definition there. */
	public void createDeclaredQueues() {
		for (String name : this.declared.keySet()) {
			QueueBinding binding = binding(name);
			if (this.storedDefinitions != null) {
				this.storedDefinitions.declared(binding.definition(), binding.driver());
			}
		}
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @return its binding, creating the queue when it is used for the first time
	 * @throws IllegalArgumentException when the name breaks the naming rules
	 */
	public QueueBinding binding(String queue) {
		QueueBinding existing = this.bindings.get(requireName(queue));
		if (existing != null) {
			return existing;
		}
		QueueNames.validateReadable(queue);
		if (QueueSpec.isDeadLetterQueue(queue)) {
			QueueBinding source = binding(QueueNames.sourceOf(queue));
			return this.bindings.computeIfAbsent(queue, (dlq) -> bind(deadLetterDefinition(source.definition(), dlq),
					source.driver()));
		}
		QueueDefinition declaredDefinition = this.declared.get(queue);
		if (declaredDefinition != null) {
			return this.bindings.computeIfAbsent(queue,
					(name) -> bind(declaredDefinition, this.drivers.get(declaredDefinition.driver())));
		}
		return this.bindings.computeIfAbsent(queue, (name) -> bindUndeclared(name, this.drivers.get(null)));
	}

	/**
	 * An undeclared queue takes the definition stored with it, hooks included (so an undeclared
	 * use never overwrites what a declaration stored); without one, the defaults.
	 */
	private QueueBinding bindUndeclared(String queue, FilaDriver driver) {
		QueueDefinition stored = (this.storedDefinitions != null) ? this.storedDefinitions.stored(queue, driver) : null;
		return bind((stored != null) ? stored : QueueDefinition.withDefaults(queue), driver);
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @return its binding when it was resolved before, without creating anything; else {@code null}
	 */
	public @Nullable QueueBinding find(String queue) {
		return this.bindings.get(queue);
	}

	/**
	 * Resolves a queue that must already exist, without creating anything: for operations
	 * such as stats, purge and redrive, where a typo must not create a queue. A queue that is
	 * neither bound nor declared is looked up on every driver, so a queue another instance
	 * created on a non-default driver is found there.
	 * @param queue a queue or dead-letter queue name
	 * @return its binding
	 * @throws QueueNotFoundException when no driver has the queue
	 */
	public QueueBinding existing(String queue) {
		QueueBinding bound = this.bindings.get(requireName(queue));
		if (bound != null) {
			return bound;
		}
		QueueNames.validateReadable(queue);
		if (QueueSpec.isDeadLetterQueue(queue)) {
			QueueBinding source = existing(QueueNames.sourceOf(queue));
			if (!source.driver().queueExists(queue)) {
				throw new QueueNotFoundException(queue);
			}
			return binding(queue);
		}
		if (this.declared.containsKey(queue)) {
			return binding(queue);
		}
		for (FilaDriver driver : this.drivers.all()) {
			if (driver.queueExists(queue)) {
				QueueDefinition stored = (this.storedDefinitions != null)
						? this.storedDefinitions.stored(queue, driver) : null;
				QueueDefinition definition = (stored != null) ? stored : QueueDefinition.withDefaults(queue);
				return this.bindings.computeIfAbsent(queue, (name) -> new QueueBinding(definition, driver,
						this.policies.enqueuePolicy(definition), this.policies.failurePolicy(definition)));
			}
		}
		throw new QueueNotFoundException(queue);
	}

	/**
	 * Binds a queue that is not declared to a given driver, for example a reply queue that
	 * must live next to the request queue.
	 * @param queue the queue name
	 * @param driver the driver to create it on when it is not declared
	 * @return its binding
	 */
	public QueueBinding bindingOn(String queue, FilaDriver driver) {
		if (this.declared.containsKey(requireName(queue)) || QueueSpec.isDeadLetterQueue(queue)) {
			return binding(queue);
		}
		QueueNames.validate(queue);
		return this.bindings.computeIfAbsent(queue, (name) -> bind(QueueDefinition.withDefaults(name), driver));
	}

	/**
	 * @param queue a queue name
	 * @return whether the queue is declared in configuration
	 */
	public boolean isDeclared(String queue) {
		return this.declared.containsKey(queue);
	}

	/** @return the declared queue definitions */
	public Collection<QueueDefinition> declared() {
		return this.declared.values();
	}

	/** @return the bindings resolved so far */
	public List<QueueBinding> bindings() {
		return List.copyOf(this.bindings.values());
	}

	/**
	 * Forgets a queue after it was deleted, so that its next use creates it again.
	 * @param queue the queue name
	 */
	public void forget(String queue) {
		this.bindings.remove(queue);
	}

	/** @return the drivers */
	public FilaDrivers drivers() {
		return this.drivers;
	}

	/** The bindings map takes no null key: a null name is refused as a bad name, not with an NPE. */
	private static String requireName(@Nullable String queue) {
		if (queue == null) {
			QueueNames.validate(null);
		}
		return queue;
	}

	private QueueBinding bind(QueueDefinition definition, FilaDriver driver) {
		if (QueueSpec.isDeadLetterQueue(definition.name())) {
			// A dead letter that fails again is retried with back-off, never dropped: a DLQ has no DLQ.
			RetryPolicy retry = definition.retry();
			return new QueueBinding(definition, driver, EnqueuePolicy.DEFAULT,
					(context) -> FailureDecision.retry(retry.delayAfter(context.attempts())));
		}
		driver.createQueue(definition.toSpec());
		return new QueueBinding(definition, driver, this.policies.enqueuePolicy(definition),
				this.policies.failurePolicy(definition));
	}

	private static QueueDefinition deadLetterDefinition(QueueDefinition source, String dlq) {
		return new QueueDefinition(dlq, source.driver(), source.visibilityTimeout(), source.quantum(), false,
				source.retry(), null, null);
	}

}
