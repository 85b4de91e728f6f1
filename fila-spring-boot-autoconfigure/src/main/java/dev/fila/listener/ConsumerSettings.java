package dev.fila.listener;

import java.time.Duration;

/**
 * The effective settings of one consumer.
 *
 * @param id the consumer id
 * @param queue the queue it consumes
 * @param concurrency worker threads, 1..1000
 * @param prefetch buffered messages, 1..10000
 * @param autoStartup whether it starts with the application context
 * @param shutdownTimeout how long stopping waits for running handlers
 */
public record ConsumerSettings(String id, String queue, int concurrency, int prefetch, boolean autoStartup,
		Duration shutdownTimeout) {

	/** Default concurrency. */
	public static final int DEFAULT_CONCURRENCY = 1;

	/** Default prefetch. */
	public static final int DEFAULT_PREFETCH = 10;

	/** Default shutdown timeout. */
	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	/** Allowed concurrency range, for error messages. */
	public static final String CONCURRENCY_RANGE = "an integer from 1 to 1000";

	/** Allowed prefetch range, for error messages. */
	public static final String PREFETCH_RANGE = "an integer from 1 to 10000";

	public ConsumerSettings {
		if (concurrency < 1 || concurrency > 1000) {
			throw new IllegalArgumentException("concurrency must be 1..1000, was " + concurrency);
		}
		if (prefetch < 1 || prefetch > 10000) {
			throw new IllegalArgumentException("prefetch must be 1..10000, was " + prefetch);
		}
	}

}
