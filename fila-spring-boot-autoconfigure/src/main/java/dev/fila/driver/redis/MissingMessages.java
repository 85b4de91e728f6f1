package dev.fila.driver.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages whose hash was gone from Redis (evicted under a {@code maxmemory-policy} other
 * than {@code noeviction}, or deleted by hand) are skipped and counted by the scripts rather
 * than failing them half-way; this makes them visible.
 */
final class MissingMessages {

	// The driver's logger: the split into classes must not move its messages to other categories.
	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	private MissingMessages() {
	}

	/**
	 * @param queue the queue
	 * @param operation what found them gone, for the message ("a fetch")
	 * @param missing how many the script skipped
	 */
	static void warnIfAny(String queue, String operation, long missing) {
		if (missing > 0) {
			logger.warn("Queue '{}': {} skipped {} message(s) whose data was gone from Redis (evicted or deleted); "
					+ "they are lost. Set maxmemory-policy noeviction on Redis (see docs/production-checklist.md)",
					queue, operation, missing);
		}
	}

}
