package dev.fila.queue;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaMessage;

/**
 * Logs the failed deliveries of one consumer at WARN, so that failures are seen without a
 * debug level, but at most {@value #PER_WINDOW} lines of each kind per {@link #WINDOW}: a
 * poison batch or a broken dependency must not flood the log. The first line after a quiet
 * spell says how many were left out. Stack traces of handler failures go to DEBUG.
 */
public final class FailureLog {

	private static final Logger logger = LoggerFactory.getLogger(FailureLog.class);

	/** How long a window of log lines lasts. */
	public static final Duration WINDOW = Duration.ofSeconds(10);

	/** The most lines of one kind per window. */
	public static final int PER_WINDOW = 5;

	private final String source;

	private final LongSupplier nanoClock;

	private final LogLimit handlerFailures = new LogLimit(PER_WINDOW, WINDOW);

	private final LogLimit deadLetters = new LogLimit(PER_WINDOW, WINDOW);

	FailureLog(String source, LongSupplier nanoClock) {
		this.source = source;
		this.nanoClock = nanoClock;
	}

	/**
	 * @param id the consumer id
	 * @return the log of a listener's failures
	 */
	public static FailureLog forConsumer(String id) {
		return new FailureLog("Consumer '" + id + "'", System::nanoTime);
	}

	/** @return the log of failures settled through {@code FilaTemplate.receive} deliveries */
	public static FailureLog forPulledDeliveries() {
		return new FailureLog("FilaTemplate.receive", System::nanoTime);
	}

	/**
	 * A handler threw: it is retried or dead-lettered as the queue's policy decides.
	 * @param message the delivery
	 * @param error the error that goes with the nack
	 * @param cause what the handler threw, logged with its stack trace at DEBUG
	 */
	public void handlerFailed(FilaMessage message, String error, Throwable cause) {
		long skipped = this.handlerFailures.admit(this.nanoClock.getAsLong());
		if (skipped >= 0 && logger.isWarnEnabled()) {
			logger.warn("{}: handler failed on message {} of queue '{}' (attempt {}): {}{}", this.source,
					message.id(), message.queue(), message.attempts(), error, left(skipped));
		}
		if (logger.isDebugEnabled()) {
			logger.debug("{}: handler failure on message {} of queue '{}'", this.source, message.id(),
					message.queue(), cause);
		}
	}

	/**
	 * A message went to its dead-letter queue (or was dropped, when the queue has none).
	 * @param message the delivery
	 * @param error the error it was dead-lettered with
	 */
	public void deadLettered(FilaMessage message, String error) {
		long skipped = this.deadLetters.admit(this.nanoClock.getAsLong());
		if (skipped >= 0 && logger.isWarnEnabled()) {
			logger.warn("{}: message {} of queue '{}' dead-lettered after {} attempt(s): {}{}", this.source,
					message.id(), message.queue(), message.attempts(), error, left(skipped));
		}
	}

	private static String left(long skipped) {
		return (skipped > 0) ? " (" + skipped + " more not logged in the last " + WINDOW.toSeconds() + "s)" : "";
	}

}
