package dev.fila.scheduling;

import java.util.List;

/**
 * Where a scheduler gets throttle permits: this instance's {@link TokenBuckets}, or buckets
 * shared by every instance (the RabbitMQ driver's token queues). A message with several throttle
 * keys takes a permit of each or of none.
 */
public interface Throttles {

	/**
	 * Takes one permit for every key of {@code keys} that has a throttle, or none.
	 * @param keys the throttle keys of one message
	 * @param nowNanos the current time
	 * @return 0 when the permits were taken, else nanoseconds after which to ask again
	 */
	long tryAcquireAll(List<String> keys, long nowNanos);

}
