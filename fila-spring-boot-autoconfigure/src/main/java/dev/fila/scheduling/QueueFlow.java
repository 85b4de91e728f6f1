package dev.fila.scheduling;

import java.util.Map;
import java.util.Set;

/**
 * How one queue is served beyond fairness: the whole queue or fairness keys paused (accepting
 * messages and delivering none), weights that override what hooks assign, and in-flight limits
 * (at most so many messages leased at once, per key and for the whole queue).
 *
 * @param paused whether the whole queue is paused
 * @param pausedKeys the paused fairness keys
 * @param keyWeights weight overrides by fairness key, each positive and finite
 * @param keyMaxInFlight the most messages of one key leased at once, 0 for no limit
 * @param keyLimits limits of single keys that override {@code keyMaxInFlight}, each positive
 * @param maxInFlight the most messages of the queue leased at once, 0 for no limit
 * @param priorityAgingMillis how long a message waits before it is served one priority level
 * higher (and one more per further period), 0 for never
 */
public record QueueFlow(boolean paused, Set<String> pausedKeys, Map<String, Double> keyWeights, int keyMaxInFlight,
		Map<String, Integer> keyLimits, int maxInFlight, long priorityAgingMillis) {

	/** Nothing paused, no override, no limit. */
	public static final QueueFlow NONE = new QueueFlow(false, Set.of(), Map.of());

	public QueueFlow {
		pausedKeys = Set.copyOf(pausedKeys);
		keyWeights = Map.copyOf(keyWeights);
		keyLimits = Map.copyOf(keyLimits);
		keyWeights.forEach((key, weight) -> {
			if (!(weight > 0) || Double.isInfinite(weight)) {
				throw new IllegalArgumentException("Weight of key '" + key + "' must be positive and finite, was " + weight);
			}
		});
		keyLimits.forEach((key, limit) -> {
			if (limit < 1) {
				throw new IllegalArgumentException("In-flight limit of key '" + key + "' must be at least 1, was " + limit);
			}
		});
		if (keyMaxInFlight < 0 || maxInFlight < 0) {
			throw new IllegalArgumentException("In-flight limits must not be negative, were " + keyMaxInFlight + " and "
					+ maxInFlight);
		}
		if (priorityAgingMillis < 0) {
			throw new IllegalArgumentException("Priority aging must not be negative, was " + priorityAgingMillis);
		}
	}

	/**
	 * Pauses, weight overrides and in-flight limits, no priority aging.
	 * @param paused whether the whole queue is paused
	 * @param pausedKeys the paused fairness keys
	 * @param keyWeights weight overrides by fairness key
	 * @param keyMaxInFlight the most messages of one key leased at once, 0 for no limit
	 * @param keyLimits limits of single keys that override {@code keyMaxInFlight}
	 * @param maxInFlight the most messages of the queue leased at once, 0 for no limit
	 */
	public QueueFlow(boolean paused, Set<String> pausedKeys, Map<String, Double> keyWeights, int keyMaxInFlight,
			Map<String, Integer> keyLimits, int maxInFlight) {
		this(paused, pausedKeys, keyWeights, keyMaxInFlight, keyLimits, maxInFlight, 0);
	}

	/**
	 * Pauses and weight overrides, no limits.
	 * @param paused whether the whole queue is paused
	 * @param pausedKeys the paused fairness keys
	 * @param keyWeights weight overrides by fairness key
	 */
	public QueueFlow(boolean paused, Set<String> pausedKeys, Map<String, Double> keyWeights) {
		this(paused, pausedKeys, keyWeights, 0, Map.of(), 0);
	}

	/** @return whether a fairness key is paused (by itself; see {@link #paused()} for the queue) */
	public boolean isKeyPaused(String key) {
		return !this.pausedKeys.isEmpty() && this.pausedKeys.contains(key);
	}

	/**
	 * @param key a fairness key
	 * @param assigned the weight its messages were given
	 * @return the override of the key, else {@code assigned}
	 */
	public double weight(String key, double assigned) {
		if (this.keyWeights.isEmpty()) {
			return assigned;
		}
		Double override = this.keyWeights.get(key);
		return (override != null) ? override : assigned;
	}

	/**
	 * @param agingMillis the priority aging, 0 for none
	 * @return this state with that aging
	 */
	public QueueFlow withPriorityAging(long agingMillis) {
		return new QueueFlow(this.paused, this.pausedKeys, this.keyWeights, this.keyMaxInFlight, this.keyLimits,
				this.maxInFlight, agingMillis);
	}

	/**
	 * The level a message is served at: its own, one more for each aging period it waited.
	 * @param priority the message's priority
	 * @param waitedMillis how long it has waited since it was enqueued
	 * @return its effective level, at most {@link Scheduling#MAX_PRIORITY}
	 */
	public int effectivePriority(int priority, long waitedMillis) {
		if (this.priorityAgingMillis <= 0 || waitedMillis < this.priorityAgingMillis) {
			return priority;
		}
		long periods = waitedMillis / this.priorityAgingMillis;
		return (int) Math.min(Scheduling.MAX_PRIORITY, priority + Math.min(periods, Scheduling.MAX_PRIORITY));
	}

	/** @return whether any in-flight limit applies */
	public boolean limited() {
		return this.keyMaxInFlight > 0 || this.maxInFlight > 0 || !this.keyLimits.isEmpty();
	}

	/**
	 * @param key a fairness key
	 * @return the most messages of the key leased at once, 0 for no limit
	 */
	public int limitOf(String key) {
		if (this.keyLimits.isEmpty()) {
			return this.keyMaxInFlight;
		}
		Integer limit = this.keyLimits.get(key);
		return (limit != null) ? limit : this.keyMaxInFlight;
	}

}
