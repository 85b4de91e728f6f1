package dev.fila.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * What a start-up does with the configured values of a namespace, given what is stored. The
 * rule: a configured value applies unless a run-time change overrides it.
 * <ul>
 * <li>A key stored by configuration takes the configured value when it changed, and goes
 * when the configuration no longer sets it.</li>
 * <li>A key changed at run time keeps its value; when the configuration sets another, the
 * start-up warns with both.</li>
 * </ul>
 * So a start-up with unchanged configuration never undoes a run-time change, and a changed
 * configuration applies at the next start unless somebody changed the key at run time.
 */
public final class SettingsSeeding {

	private SettingsSeeding() {
	}

	/**
	 * @param configured the configured values by key
	 * @param stored the stored settings by key
	 * @return the steps to take, in key order; keys with nothing to do are left out
	 */
	public static List<Step> plan(Map<String, String> configured, Map<String, Setting> stored) {
		TreeSet<String> keys = new TreeSet<>(configured.keySet());
		keys.addAll(stored.keySet());
		List<Step> steps = new ArrayList<>();
		for (String key : keys) {
			String value = configured.get(key);
			Setting current = stored.get(key);
			if (current == null) {
				steps.add(new Step(key, Action.WRITE, value, null));
			}
			else if (current.origin() == Setting.Origin.RUNTIME) {
				if (value != null && !value.equals(current.value())) {
					steps.add(new Step(key, Action.KEEP_RUNTIME, value, current));
				}
			}
			else if (value == null) {
				steps.add(new Step(key, Action.REMOVE, null, current));
			}
			else if (!value.equals(current.value())) {
				steps.add(new Step(key, Action.WRITE, value, current));
			}
		}
		return steps;
	}

	/**
	 * One thing to do for one key.
	 *
	 * @param key the key
	 * @param action what to do
	 * @param configured the configured value, {@code null} when the configuration does not
	 * set the key
	 * @param stored the stored setting, {@code null} when none
	 */
	public record Step(String key, Action action, @Nullable String configured, @Nullable Setting stored) {
	}

	/** What a start-up does with one key. */
	public enum Action {

		/** Store the configured value. */
		WRITE,

		/** Remove the stored value: the configuration set it and no longer does. */
		REMOVE,

		/** Keep the value set at run time and warn that the configuration differs. */
		KEEP_RUNTIME

	}

}
