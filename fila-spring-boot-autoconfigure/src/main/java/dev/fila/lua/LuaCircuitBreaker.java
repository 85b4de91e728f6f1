package dev.fila.lua;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Opens after {@code failureThreshold} consecutive failures and bypasses the hook for
 * {@code cooldown}; the first call after the cooldown tries the hook again. Lock-free: hooks
 * run on many threads at once.
 */
final class LuaCircuitBreaker {

	private final int failureThreshold;

	private final long cooldownNanos;

	private final LongSupplier nanoTime;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private volatile long openUntil;

	private volatile boolean open;

	LuaCircuitBreaker(int failureThreshold, Duration cooldown, LongSupplier nanoTime) {
		this.failureThreshold = Math.max(1, failureThreshold);
		this.cooldownNanos = cooldown.toNanos();
		this.nanoTime = nanoTime;
	}

	/** @return whether the hook may run now */
	boolean allowsCall() {
		if (!this.open) {
			return true;
		}
		if (this.nanoTime.getAsLong() - this.openUntil >= 0) {
			this.open = false;
			this.consecutiveFailures.set(0);
			return true;
		}
		return false;
	}

	/** @return whether the breaker is open (the hook is bypassed) */
	boolean isOpen() {
		return this.open && this.nanoTime.getAsLong() - this.openUntil < 0;
	}

	void recordSuccess() {
		// Read first: an unconditional write from every thread on every call would contend.
		if (this.consecutiveFailures.get() != 0) {
			this.consecutiveFailures.set(0);
		}
	}

	/** @return whether this failure opened the breaker */
	boolean recordFailure() {
		if (this.consecutiveFailures.incrementAndGet() >= this.failureThreshold && !this.open) {
			this.openUntil = this.nanoTime.getAsLong() + this.cooldownNanos;
			this.open = true;
			return true;
		}
		return false;
	}

}
