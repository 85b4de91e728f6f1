package dev.fila.driver.amqp;

/**
 * What instances hear from the {@link KeyLog}, per queue and key; called on the log's reading
 * thread.
 */
interface KeyLogListener {

	/** A key was announced (again: a producer renewed its lease or re-declared the queue). */
	void announced(String queue, String key);

	/** An instance opened an expiry of the key's queue. */
	default void expiring(String queue, String key) {
	}

	/** The key's last open expiry closed and the queue stays (kept, or given up as abandoned). */
	default void resumed(String queue, String key) {
	}

	/** The key's queue was deleted: producers declare it again before they publish. */
	default void expired(String queue, String key) {
	}

	/** An instance (this one too) deleted the Fila queue. */
	default void dropped(String queue) {
	}

}
