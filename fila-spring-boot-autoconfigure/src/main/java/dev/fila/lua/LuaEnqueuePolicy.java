package dev.fila.lua;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.scheduling.Scheduling;

/**
 * Asks a queue's {@code on_enqueue(msg)} hook for fairness key, weight and throttle keys.
 * {@code msg} has {@code headers}, {@code payload_size} and {@code queue}; every returned
 * field is optional. When the hook fails, times out or is bypassed, the message is enqueued
 * with the defaults: it is never lost.
 */
final class LuaEnqueuePolicy implements EnqueuePolicy {

	static final String HOOK = "on_enqueue";

	private final LuaHook hook;

	LuaEnqueuePolicy(LuaHook hook) {
		this.hook = hook;
	}

	@Override
	public Scheduling schedule(EnqueueContext context) {
		LuaTable message = new LuaTable(0, 3);
		message.rawset("headers", LuaValues.table(context.headers()));
		message.rawset("payload_size", context.payloadSize());
		message.rawset("queue", context.queue());
		LuaValue result = this.hook.call(message, LuaEnqueuePolicy::problem);
		if (result == null || result.isnil()) {
			return Scheduling.DEFAULT;
		}
		LuaValue key = result.get("fairness_key");
		LuaValue weight = result.get("weight");
		return new Scheduling(key.isnil() ? Scheduling.DEFAULT_KEY : key.tojstring(),
				weight.isnil() ? 1 : weight.todouble(), throttleKeys(result.get("throttle_keys")));
	}

	private static List<String> throttleKeys(LuaValue keys) {
		if (keys.isnil()) {
			return List.of();
		}
		if (keys.isstring()) {
			return List.of(keys.tojstring());
		}
		List<String> list = new ArrayList<>();
		for (int i = 1; i <= keys.length(); i++) {
			list.add(keys.get(i).tojstring());
		}
		return list;
	}

	private static @Nullable String problem(LuaValue result) {
		if (result.isnil()) {
			return null;
		}
		if (!result.istable()) {
			return "a " + result.typename() + " instead of a table";
		}
		LuaValue key = result.get("fairness_key");
		if (!key.isnil() && !key.isstring()) {
			return "fairness_key of type " + key.typename() + " instead of a string";
		}
		LuaValue weight = result.get("weight");
		if (!weight.isnil() && (!weight.isnumber() || !(weight.todouble() > 0) || Double.isInfinite(weight.todouble()))) {
			return "weight " + weight.tojstring() + " instead of a positive number";
		}
		LuaValue keys = result.get("throttle_keys");
		if (!keys.isnil() && !keys.isstring()) {
			if (!keys.istable()) {
				return "throttle_keys of type " + keys.typename() + " instead of a list of strings";
			}
			for (int i = 1; i <= keys.length(); i++) {
				if (!keys.get(i).isstring()) {
					return "a throttle key of type " + keys.get(i).typename();
				}
			}
		}
		return null;
	}

}
