package dev.fila.scheduling;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaHeaders;

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
 * @param priority the priority level, {@value #MIN_PRIORITY} to {@value #MAX_PRIORITY} (served
 * first); a number outside is clamped into that range
 */
public record Scheduling(String fairnessKey, double weight, List<String> throttleKeys, int priority) {

	/** The lowest priority level, the default. */
	public static final int MIN_PRIORITY = 0;

	/** The highest priority level, served first. */
	public static final int MAX_PRIORITY = 9;

	/** The fairness key of messages nobody assigned one. */
	public static final String DEFAULT_KEY = "default";

	/** Key {@value #DEFAULT_KEY}, weight 1, no throttles. */
	public static final Scheduling DEFAULT = new Scheduling(DEFAULT_KEY, 1, List.of());

	/**
	 * Priority 0.
	 * @param fairnessKey the fairness key, never empty
	 * @param weight the key's weight, positive
	 * @param throttleKeys throttle keys, possibly empty
	 */
	public Scheduling(String fairnessKey, double weight, List<String> throttleKeys) {
		this(fairnessKey, weight, throttleKeys, MIN_PRIORITY);
	}

	public Scheduling {
		if (fairnessKey == null || fairnessKey.isEmpty()) {
			fairnessKey = DEFAULT_KEY;
		}
		fairnessKey = wellFormed(fairnessKey);
		if (!(weight > 0) || Double.isInfinite(weight)) {
			weight = 1;
		}
		throttleKeys = (throttleKeys != null) ? wellFormed(throttleKeys) : List.of();
		priority = Math.max(MIN_PRIORITY, Math.min(MAX_PRIORITY, priority));
	}

	/**
	 * @param priority a priority level
	 * @return this scheduling at that level
	 */
	public Scheduling withPriority(int priority) {
		return (priority == this.priority) ? this
				: new Scheduling(this.fairnessKey, this.weight, this.throttleKeys, priority);
	}

	/**
	 * Reads the priority a producer set in the {@value FilaHeaders#PRIORITY} header.
	 * @param headers a message's headers
	 * @return the level, {@value #MIN_PRIORITY} when the header is absent
	 * @throws IllegalArgumentException when the header is not an integer from
	 * {@value #MIN_PRIORITY} to {@value #MAX_PRIORITY}
	 */
	public static int priorityOf(Map<String, String> headers) {
		String value = headers.get(FilaHeaders.PRIORITY);
		if (value == null) {
			return MIN_PRIORITY;
		}
		Integer level = parsePriority(value);
		if (level == null) {
			throw new IllegalArgumentException("Header " + FilaHeaders.PRIORITY + " must be an integer from "
					+ MIN_PRIORITY + " to " + MAX_PRIORITY + ", was '" + abbreviate(value) + "'");
		}
		return level;
	}

	/**
	 * Reads the {@value FilaHeaders#PRIORITY} header of a message already in a queue (validated
	 * when it was enqueued), leniently.
	 * @param headers a message's headers
	 * @return the level, {@value #MIN_PRIORITY} when the header is absent or not a level
	 */
	public static int priorityOrDefault(Map<String, String> headers) {
		String value = headers.get(FilaHeaders.PRIORITY);
		Integer level = (value != null) ? parsePriority(value) : null;
		return (level != null) ? level : MIN_PRIORITY;
	}

	/**
	 * @param value a header value
	 * @return its level when it is one digit from 0 to 9 (surrounding blanks allowed), else {@code null}
	 */
	static @Nullable Integer parsePriority(String value) {
		String trimmed = value.strip();
		if (trimmed.length() != 1 || trimmed.charAt(0) < '0' || trimmed.charAt(0) > '9') {
			return null;
		}
		return trimmed.charAt(0) - '0';
	}

	/** A header value short enough for an error message (a hostile one can be megabytes). */
	private static String abbreviate(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "...";
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
