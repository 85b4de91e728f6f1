package dev.fila.scheduling;

import java.util.List;

/**
 * How a message is scheduled: its fairness key and weight (for deficit round robin) and the
 * throttle keys whose token buckets must all grant a permit before it is delivered.
 *
 * Keys are well-formed UTF-16: an unpaired surrogate, which no UTF-8 byte sequence can hold,
 * becomes {@code ?} (as {@link String#getBytes} would make it), so that every driver, whether
 * it keeps keys as Java strings or as UTF-8 bytes, sees the same key.
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
		fairnessKey = wellFormed(fairnessKey);
		if (!(weight > 0) || Double.isInfinite(weight)) {
			weight = 1;
		}
		throttleKeys = (throttleKeys != null) ? wellFormed(throttleKeys) : List.of();
	}

	/** The keys, copied, each well-formed (see {@link #wellFormed(String)}); no stream per message. */
	private static List<String> wellFormed(List<String> keys) {
		List<String> copy = List.copyOf(keys);
		for (int i = 0; i < copy.size(); i++) {
			if (wellFormed(copy.get(i)) != copy.get(i)) {
				return copy.stream().map(Scheduling::wellFormed).toList();
			}
		}
		return copy;
	}

	/** The key with each unpaired surrogate replaced by {@code ?}; the key itself when it has none. */
	static String wellFormed(String key) {
		StringBuilder fixed = null;
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			boolean paired = Character.isHighSurrogate(c) && i + 1 < key.length()
					&& Character.isLowSurrogate(key.charAt(i + 1));
			if (paired) {
				if (fixed != null) {
					fixed.append(c).append(key.charAt(i + 1));
				}
				i++;
				continue;
			}
			boolean lone = Character.isSurrogate(c);
			if (lone && fixed == null) {
				fixed = new StringBuilder(key.length()).append(key, 0, i);
			}
			if (fixed != null) {
				fixed.append(lone ? '?' : c);
			}
		}
		return (fixed != null) ? fixed.toString() : key;
	}

}
