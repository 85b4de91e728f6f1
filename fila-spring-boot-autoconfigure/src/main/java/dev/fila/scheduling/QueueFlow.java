package dev.fila.scheduling;

import java.util.Map;
import java.util.Set;

/**
 * What an operator changed about how one queue is served: the whole queue paused, fairness keys
 * paused, and weights that override what hooks assign. Paused means accepting messages and
 * delivering none.
 *
 * @param paused whether the whole queue is paused
 * @param pausedKeys the paused fairness keys
 * @param keyWeights weight overrides by fairness key, each positive and finite
 */
public record QueueFlow(boolean paused, Set<String> pausedKeys, Map<String, Double> keyWeights) {

	/** Nothing paused, no override. */
	public static final QueueFlow NONE = new QueueFlow(false, Set.of(), Map.of());

	public QueueFlow {
		pausedKeys = Set.copyOf(pausedKeys);
		keyWeights = Map.copyOf(keyWeights);
		keyWeights.forEach((key, weight) -> {
			if (!(weight > 0) || Double.isInfinite(weight)) {
				throw new IllegalArgumentException("Weight of key '" + key + "' must be positive and finite, was " + weight);
			}
		});
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

}
