package dev.fila.lua;

import java.util.List;

/**
 * Told the outcome of every Lua execution, e.g. to count them in metrics.
 */
@FunctionalInterface
public interface LuaObserver {

	/** Observes nothing. */
	LuaObserver NONE = (hook, outcome) -> {
	};

	/**
	 * @param hook {@code on_enqueue}, {@code on_failure} or {@code handler}
	 * @param outcome {@code success}, {@code error}, {@code timeout} or {@code bypassed}
	 */
	void executed(String hook, String outcome);

	/**
	 * Called for every execution; override to know which queue's hook or consumer ran.
	 * @param queue the queue whose hook ran, or whose message a handler script handled
	 * @param hook {@code on_enqueue}, {@code on_failure} or {@code handler}
	 * @param outcome {@code success}, {@code error}, {@code timeout} or {@code bypassed}
	 */
	default void executed(String queue, String hook, String outcome) {
		executed(hook, outcome);
	}

	/**
	 * @param observers observers to tell in order
	 * @return one observer telling them all
	 */
	static LuaObserver of(List<LuaObserver> observers) {
		List<LuaObserver> all = List.copyOf(observers);
		if (all.isEmpty()) {
			return NONE;
		}
		if (all.size() == 1) {
			return all.get(0);
		}
		return new LuaObserver() {

			@Override
			public void executed(String hook, String outcome) {
				all.forEach((observer) -> observer.executed(hook, outcome));
			}

			@Override
			public void executed(String queue, String hook, String outcome) {
				all.forEach((observer) -> observer.executed(queue, hook, outcome));
			}

		};
	}

}
