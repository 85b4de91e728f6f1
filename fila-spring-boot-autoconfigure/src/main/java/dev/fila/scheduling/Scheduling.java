package dev.fila.scheduling;

import java.util.List;

/**
 * How a message is scheduled: its fairness key and weight (for deficit round robin) and the
 * throttle keys whose token buckets must all grant a permit before it is delivered.
 *
 * @param fairnessKey the fairness key, never empty
 * @param weight the key's weight, positive
 * @param throttleKeys throttle keys, possibly empty
 */
public record Scheduling(String fairnessKey, double weight, List<String> throttleKeys) {

	/** The fairness key of messages nobody assigned one. */
	public static final String DEFAULT_KEY = "default";

	/** Key {@value #DEFAULT_KEY}, weight 1, no throttles. */
	public static final Scheduling DEFAULT = new Scheduling(DEFAULT_KEY, 1, List.of());

	public Scheduling {
		if (fairnessKey == null || fairnessKey.isEmpty()) {
			fairnessKey = DEFAULT_KEY;
		}
		if (!(weight > 0) || Double.isInfinite(weight)) {
			weight = 1;
		}
		throttleKeys = (throttleKeys != null) ? List.copyOf(throttleKeys) : List.of();
	}

}
