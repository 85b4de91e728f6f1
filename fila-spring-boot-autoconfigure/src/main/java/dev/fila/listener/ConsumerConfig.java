package dev.fila.listener;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Consumer settings from configuration ({@code fila.consumers.<id>}) or from a listener
 * annotation; unset values are {@code null}.
 *
 * @param queue the queue
 * @param concurrency worker threads
 * @param prefetch buffered messages
 * @param autoStartup whether to start with the application
 * @param shutdownTimeout how long stopping waits for running handlers
 */
public record ConsumerConfig(@Nullable String queue, @Nullable Integer concurrency, @Nullable Integer prefetch,
		@Nullable Boolean autoStartup, @Nullable Duration shutdownTimeout) {

	/** Nothing set. */
	public static final ConsumerConfig EMPTY = new ConsumerConfig(null, null, null, null, null);

}
