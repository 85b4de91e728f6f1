package dev.fila.lua;

import java.time.Duration;

/**
 * Limits for Lua code.
 *
 * @param hookTimeout the longest one hook call may run
 * @param handlerTimeout the longest one handler script call may run
 * @param failureThreshold consecutive hook failures that open the circuit breaker
 * @param cooldown how long an open circuit breaker bypasses a hook
 */
public record LuaSettings(Duration hookTimeout, Duration handlerTimeout, int failureThreshold, Duration cooldown) {

	/** Defaults: 10ms hooks, 5s handlers, 3 failures, 10s cooldown. */
	public static final LuaSettings DEFAULTS = new LuaSettings(Duration.ofMillis(10), Duration.ofSeconds(5), 3,
			Duration.ofSeconds(10));

}
