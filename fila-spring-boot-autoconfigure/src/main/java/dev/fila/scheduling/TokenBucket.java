package dev.fila.scheduling;

/**
 * A token bucket: up to {@code burst} permits, refilled at {@code rate} permits per second.
 * Over any interval of {@code t} seconds it grants at most {@code burst + rate * t} permits.
 * <p>
 * Time is passed in by the caller (nanoseconds from any monotonic source), so the algorithm
 * is deterministic under test and reusable where the clock lives elsewhere (Redis time).
 * Not thread-safe.
 */
public final class TokenBucket {

	private double rate;

	private double burst;

	private double tokens;

	private long refilledAt;

	/**
	 * Creates a full bucket.
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 * @param nowNanos the current time
	 */
	public TokenBucket(double rate, long burst, long nowNanos) {
		reconfigure(rate, burst, nowNanos);
		this.tokens = this.burst;
	}

	/**
	 * Changes rate and burst, keeping the tokens already earned (capped at the new burst).
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 * @param nowNanos the current time
	 */
	public void reconfigure(double rate, long burst, long nowNanos) {
		if (!(rate > 0)) {
			throw new IllegalArgumentException("rate must be positive, was " + rate);
		}
		if (burst < 1) {
			throw new IllegalArgumentException("burst must be at least 1, was " + burst);
		}
		if (this.refilledAt != 0) {
			refill(nowNanos);
		}
		this.rate = rate;
		this.burst = burst;
		this.tokens = Math.min(this.tokens, burst);
		this.refilledAt = nowNanos;
	}

	/**
	 * Returns whether one permit is available now, without taking it.
	 * @param nowNanos the current time
	 * @return whether {@link #tryAcquire} would succeed
	 */
	public boolean hasPermit(long nowNanos) {
		refill(nowNanos);
		return this.tokens >= 1;
	}

	/**
	 * Takes one permit if available.
	 * @param nowNanos the current time
	 * @return whether a permit was taken
	 */
	public boolean tryAcquire(long nowNanos) {
		refill(nowNanos);
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return true;
		}
		return false;
	}

	/**
	 * Returns how long until one permit is available.
	 * @param nowNanos the current time
	 * @return nanoseconds to wait, 0 when a permit is available now
	 */
	public long nanosUntilPermit(long nowNanos) {
		refill(nowNanos);
		if (this.tokens >= 1) {
			return 0;
		}
		return (long) Math.ceil((1 - this.tokens) / this.rate * 1_000_000_000d);
	}

	/**
	 * @param nowNanos the current time
	 * @return the permits the bucket holds now, fractional between refills
	 */
	public double available(long nowNanos) {
		refill(nowNanos);
		return this.tokens;
	}

	public double rate() {
		return this.rate;
	}

	public long burst() {
		return (long) this.burst;
	}

	private void refill(long nowNanos) {
		long elapsed = nowNanos - this.refilledAt;
		if (elapsed > 0) {
			this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate / 1_000_000_000d);
			this.refilledAt = nowNanos;
		}
	}

}
