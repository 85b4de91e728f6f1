package dev.fila.health;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.fila.lua.LuaHookRegistry;
import dev.fila.lua.LuaHookState;

/**
 * The {@code lua} component of the {@code fila} health contributor: each queue's hooks with
 * their failures, timeouts, last error and circuit breaker. Always up: a failing hook costs
 * fairness (its messages get the defaults), not delivery; alert on {@code circuitBreaker}
 * {@code open} or growing {@code errors}.
 */
public class LuaHooksHealthIndicator implements HealthIndicator {

	private final LuaHookRegistry registry;

	/**
	 * @param registry the hooks
	 */
	public LuaHooksHealthIndicator(LuaHookRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Health health() {
		Health.Builder builder = Health.up();
		for (LuaHookState state : this.registry.states()) {
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("circuitBreaker", state.circuitBreakerOpen() ? "open" : "closed");
			details.put("errors", state.errors());
			details.put("timeouts", state.timeouts());
			if (state.lastError() != null) {
				details.put("lastError", state.lastError());
				details.put("lastErrorAt", String.valueOf(state.lastErrorAt()));
			}
			builder.withDetail(state.queue() + "." + state.hook(), details);
		}
		return builder.build();
	}

}
