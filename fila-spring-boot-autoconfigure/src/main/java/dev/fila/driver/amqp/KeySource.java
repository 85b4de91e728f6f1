package dev.fila.driver.amqp;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A key (or shard) queue a {@link QueueSession} consumes on its current channels, with its
 * consumer's credit: what RabbitMQ pushed of it and the session has not acked or rejected yet.
 */
final class KeySource {

	final String rabbitQueue;

	final int prefetch;

	/**
	 * Its deliveries not acked or rejected yet: RabbitMQ's unacked count for its consumer.
	 * Counted down outside the session lock, when the ack or reject is sent.
	 */
	final AtomicInteger unacked = new AtomicInteger();

	/** When it last delivered or had a delivery settled; from when its consumer started. */
	long lastActivity = System.nanoTime();

	/** Set when its consumer was cancelled for an expiry: what still arrives goes back. */
	boolean cancelled;

	/** The keys it delivered, while they were one (a shard can carry several keys). */
	private @Nullable String onlyKey;

	private boolean shared;

	KeySource(String rabbitQueue, int prefetch) {
		this.rabbitQueue = rabbitQueue;
		this.prefetch = prefetch;
	}

	void delivered(String key) {
		if (this.onlyKey == null) {
			this.onlyKey = key;
		}
		else if (!this.shared && !this.onlyKey.equals(key)) {
			this.shared = true;
		}
	}

	/** Whether it delivered messages of more than one key: its ready messages may be any of theirs. */
	boolean shared() {
		return this.shared;
	}

}
