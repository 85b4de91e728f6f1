package dev.fila.queue;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.RetryPolicy;

/**
 * A queue as configured under {@code fila.queues.<name>}, or with defaults.
 *
 * @param name the queue name
 * @param driver the driver name, {@code null} for the default driver
 * @param visibilityTimeout the lease length
 * @param quantum the deficit round robin quantum
 * @param deadLetter whether exhausted failures go to {@code <name>.dlq}
 * @param retry the retry policy used when no {@code on-failure} hook is set
 * @param onEnqueue the {@code on-enqueue} Lua hook (resource location or inline text), if any
 * @param onFailure the {@code on-failure} Lua hook (resource location or inline text), if any
 */
public record QueueDefinition(String name, @Nullable String driver, Duration visibilityTimeout, int quantum,
		boolean deadLetter, RetryPolicy retry, @Nullable String onEnqueue, @Nullable String onFailure) {

	/** Default lease length. */
	public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Shortest lease length accepted from configuration: heartbeats run every third of it, and
	 * a shorter lease would expire under a handler at the first pause of the JVM or the backend.
	 */
	public static final Duration MIN_VISIBILITY_TIMEOUT = Duration.ofSeconds(1);

	/**
	 * @param name the queue name
	 * @return a definition with every default: default driver, 30s lease, quantum 1, a DLQ,
	 * the default retry policy, no hooks
	 */
	public static QueueDefinition withDefaults(String name) {
		return new QueueDefinition(name, null, DEFAULT_VISIBILITY_TIMEOUT, 1, true, RetryPolicy.DEFAULT, null, null);
	}

	/**
	 * @param name another name
	 * @return this definition under another name
	 */
	public QueueDefinition named(String name) {
		return new QueueDefinition(name, this.driver, this.visibilityTimeout, this.quantum, this.deadLetter, this.retry,
				this.onEnqueue, this.onFailure);
	}

	/** @return what the driver needs to create the queue */
	public QueueSpec toSpec() {
		return new QueueSpec(this.name, this.visibilityTimeout, this.quantum, this.deadLetter);
	}

}
