package dev.fila.core;

/**
 * One throttle: its settings and how many permits its bucket holds now.
 *
 * @param key the throttle key
 * @param rate permits per second
 * @param burst bucket size
 * @param availablePermits permits the bucket holds now (fractional between refills), or
 * {@code NaN} when the default driver cannot tell
 */
public record ThrottleStats(String key, double rate, long burst, double availablePermits) {
}
