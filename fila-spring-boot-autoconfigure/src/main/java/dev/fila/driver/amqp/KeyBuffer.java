package dev.fila.driver.amqp;

import org.jspecify.annotations.Nullable;

import dev.fila.scheduling.ScheduledKey;

/**
 * One fairness key's buffered deliveries (queued in the session's scheduler) and what RabbitMQ
 * may hold of it; see {@link KeyBuffers} for how a refill is awaited.
 */
final class KeyBuffer extends ScheduledKey<Delivery> {

	int inFlight;

	/** The queue its latest delivery came from; null before one came from a key or shard queue. */
	@Nullable KeySource source;

	/** Whether it waited for a refill of a shard since its last delivery (see KeyBuffers#refillWait). */
	boolean awaitedRefill;

	/** Whether RabbitMQ may hold more of this key than it pushed (the prefetch was full). */
	boolean backlog;

	/** Until when a refill is expected (RabbitMQ said the key queue has ready messages). */
	long refillBy;

	KeyBuffer(String name) {
		super(name);
		this.refillBy = System.nanoTime();
	}

	@Override
	public int inFlight() {
		return this.inFlight;
	}

}
