package dev.fila.lua;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What one queue's hook has been doing, for health details.
 *
 * @param queue the queue
 * @param hook {@code on_enqueue} or {@code on_failure}
 * @param circuitBreakerOpen whether the hook is bypassed right now
 * @param errors calls that failed (errors and timeouts) since start
 * @param timeouts calls stopped by the time limit since start
 * @param lastError the last failure's message, or {@code null}
 * @param lastErrorAt when it happened, or {@code null}
 */
public record LuaHookState(String queue, String hook, boolean circuitBreakerOpen, long errors, long timeouts,
		@Nullable String lastError, @Nullable Instant lastErrorAt) {
}
