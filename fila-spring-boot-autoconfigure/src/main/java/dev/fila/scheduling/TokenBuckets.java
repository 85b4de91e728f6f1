package dev.fila.scheduling;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The token buckets of one driver instance, shared by all its queues. A message with several
 * throttle keys takes a permit from each bucket or from none, under one lock so two queues
 * cannot both pass a check and overdraw a bucket.
 */
public final class TokenBuckets implements Throttles {

	private final Map<String, TokenBucket> buckets = new HashMap<>();

	public synchronized void set(String key, double rate, long burst, long nowNanos) {
		TokenBucket bucket = this.buckets.get(key);
		if (bucket == null) {
			this.buckets.put(key, new TokenBucket(rate, burst, nowNanos));
		}
		else {
			bucket.reconfigure(rate, burst, nowNanos);
		}
	}

	/**
	 * @param key a throttle key
	 * @param nowNanos the current time
	 * @return the permits its bucket holds now, or {@code NaN} when there is no such bucket
	 */
	public synchronized double available(String key, long nowNanos) {
		TokenBucket bucket = this.buckets.get(key);
		return (bucket != null) ? bucket.available(nowNanos) : Double.NaN;
	}

	/**
	 * Takes one permit from every bucket of {@code keys}, or none.
	 * @return 0 when the permits were taken, else nanoseconds until they may be available
	 */
	@Override
	public synchronized long tryAcquireAll(List<String> keys, long nowNanos) {
		long wait = 0;
		for (String key : keys) {
			TokenBucket bucket = this.buckets.get(key);
			if (bucket != null) {
				wait = Math.max(wait, bucket.nanosUntilPermit(nowNanos));
			}
		}
		if (wait > 0) {
			return wait;
		}
		for (String key : keys) {
			TokenBucket bucket = this.buckets.get(key);
			if (bucket != null) {
				bucket.tryAcquire(nowNanos);
			}
		}
		return 0;
	}

}
