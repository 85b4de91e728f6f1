package dev.fila.lua;

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

}
