package dev.fila.lua;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.scheduling.FailureDecision;

/**
 * Asks a queue's {@code on_failure(msg)} hook whether to retry (and after how long) or
 * dead-letter. {@code msg} has {@code headers}, {@code id}, {@code attempts}, {@code queue}
 * and {@code error}. When the hook fails, times out, is bypassed or returns nothing, the
 * queue's retry settings decide. The result's fields are read raw, as in
 * {@link LuaEnqueuePolicy}.
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
		FailureDecision decision = this.hook.call(message(context), LuaFailurePolicy::read);
		return (decision != null) ? decision : this.fallback.onFailure(context);
	}

	/**
	 * @param context the failure
	 * @return the hook's {@code msg}
	 */
	static LuaTable message(FailureContext context) {
		LuaTable message = new LuaTable(0, 5);
		message.rawset("headers", LuaValues.table(context.headers()));
		message.rawset("id", context.messageId());
		message.rawset("attempts", context.attempts());
		message.rawset("queue", context.queue());
		message.rawset("error", context.error());
		return message;
	}

	/**
	 * @param result what the hook returned
	 * @return the decision it asks for, or {@code null} when it returned nil
	 * @throws LuaError when it is malformed
	 */
	static @Nullable FailureDecision read(LuaValue result) {
		if (result.isnil()) {
			return null;
		}
		if (!(result instanceof LuaTable table)) {
			throw malformed("a " + result.typename() + " instead of a table");
		}
		LuaValue action = table.rawget("action");
		String name = (action.type() == LuaValue.TSTRING) ? action.tojstring() : null;
		if ("dlq".equals(name)) {
			return FailureDecision.deadLetter();
		}
		if (!"retry".equals(name)) {
			throw malformed("action " + action.tojstring() + " instead of \"retry\" or \"dlq\"");
		}
		LuaValue delay = table.rawget("delay_ms");
		if (delay.isnil()) {
			return FailureDecision.retry(Duration.ZERO);
		}
		double millis = delay.isnumber() ? delay.todouble() : Double.NaN;
		// NaN and infinities are no delay; huge finite values saturate, for the listener to cap.
		if (!(millis >= 0) || Double.isInfinite(millis)) {
			throw malformed("delay_ms " + delay.tojstring() + " instead of a finite number of 0 or more");
		}
		return FailureDecision.retry(Duration.ofMillis((long) millis));
	}

	private static LuaError malformed(String problem) {
		return new LuaError(HOOK + " returned " + problem);
	}

}
