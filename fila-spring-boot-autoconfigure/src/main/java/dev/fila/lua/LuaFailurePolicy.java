package dev.fila.lua;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.scheduling.FailureDecision;

/**
 * Asks a queue's {@code on_failure(msg)} hook whether to retry (and after how long) or
 * dead-letter. {@code msg} has {@code headers}, {@code id}, {@code attempts}, {@code queue}
 * and {@code error}. When the hook fails, times out, is bypassed or returns nothing, the
 * queue's retry settings decide.
 */
final class LuaFailurePolicy implements FailurePolicy {

	static final String HOOK = "on_failure";

	private final LuaHook hook;

	private final FailurePolicy fallback;

	LuaFailurePolicy(LuaHook hook, FailurePolicy fallback) {
		this.hook = hook;
		this.fallback = fallback;
	}

	@Override
	public FailureDecision onFailure(FailureContext context) {
		LuaTable message = new LuaTable(0, 5);
		message.rawset("headers", LuaValues.table(context.headers()));
		message.rawset("id", context.messageId());
		message.rawset("attempts", context.attempts());
		message.rawset("queue", context.queue());
		message.rawset("error", context.error());
		LuaValue result = this.hook.call(message, LuaFailurePolicy::problem);
		if (result == null || result.isnil()) {
			return this.fallback.onFailure(context);
		}
		if ("dlq".equals(result.get("action").tojstring())) {
			return FailureDecision.deadLetter();
		}
		LuaValue delay = result.get("delay_ms");
		return FailureDecision.retry(Duration.ofMillis(delay.isnil() ? 0 : (long) delay.todouble()));
	}

	private static @Nullable String problem(LuaValue result) {
		if (result.isnil()) {
			return null;
		}
		if (!result.istable()) {
			return "a " + result.typename() + " instead of a table";
		}
		String action = result.get("action").isstring() ? result.get("action").tojstring() : null;
		if (!"retry".equals(action) && !"dlq".equals(action)) {
			return "action " + result.get("action").tojstring() + " instead of \"retry\" or \"dlq\"";
		}
		LuaValue delay = result.get("delay_ms");
		if (!delay.isnil() && (!delay.isnumber() || delay.todouble() < 0)) {
			return "delay_ms " + delay.tojstring() + " instead of a number of 0 or more";
		}
		return null;
	}

}
