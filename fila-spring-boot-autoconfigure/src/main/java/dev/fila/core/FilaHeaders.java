package dev.fila.core;

/**
 * Header names with a meaning to Fila.
 */
public final class FilaHeaders {

	/** Queue a reply to this message goes to (request-reply). */
	public static final String REPLY_TO = "reply_to";

	/** Correlates a reply with its request (request-reply). */
	public static final String CORRELATION_ID = "correlation_id";

	/** On a dead-lettered message: the number of deliveries it had. */
	public static final String ATTEMPTS = "fila-attempts";

	/** On a dead-lettered message: the last error. */
	public static final String ERROR = "fila-error";

	/** On a dead-lettered message: the queue it was dead-lettered from. */
	public static final String SOURCE_QUEUE = "fila-source-queue";

	/**
	 * Set by the producer: the message's priority, an integer from 0 (the default) to 9, served
	 * first. A queue's {@code on_enqueue} hook may override it.
	 */
	public static final String PRIORITY = "fila-priority";

	private FilaHeaders() {
	}

}
