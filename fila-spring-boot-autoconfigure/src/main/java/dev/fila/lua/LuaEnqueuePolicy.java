package dev.fila.lua;

import java.util.ArrayList;
import java.util.List;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.queue.FilaFlowControl;
import dev.fila.scheduling.Scheduling;

/**
 * Asks a queue's {@code on_enqueue(msg)} hook for fairness key, weight, throttle keys and
 * priority. {@code msg} has {@code headers}, {@code payload_size} and {@code queue}; every
 * returned field is optional (without {@code priority}, the producer's {@code fila-priority}
 * stays). When the hook fails, times out or is bypassed, the message is enqueued with the
 * defaults and the producer's priority: it is never lost.
 * <p>
 * The result is data: its fields are read raw, once, so a metamethod can neither run after
 * the hook's time limit nor answer the validation one way and the read another. A weight
 * outside what round robin arithmetic handles makes it malformed rather than stall its key.
 */
final class LuaEnqueuePolicy implements EnqueuePolicy {

	static final String HOOK = "on_enqueue";

	private final LuaHook hook;

	LuaEnqueuePolicy(LuaHook hook) {
		this.hook = hook;
	}

	@Override
	public Scheduling schedule(EnqueueContext context) {
		int priority = context.priority();
		Scheduling scheduling = this.hook.call(message(context), (result) -> read(result, priority));
		return (scheduling != null) ? scheduling : Scheduling.DEFAULT.withPriority(priority);
	}

	/**
	 * @param context the enqueue
	 * @return the hook's {@code msg}
	 */
	static LuaTable message(EnqueueContext context) {
		LuaTable message = new LuaTable(0, 3);
		message.rawset("headers", LuaValues.table(context.headers()));
		message.rawset("payload_size", context.payloadSize());
		message.rawset("queue", context.queue());
		return message;
	}

	/**
	 * @param result what the hook returned
	 * @param priority the producer's priority, kept when the result has none
	 * @return the scheduling it asks for
	 * @throws LuaError when it is malformed
	 */
	static Scheduling read(LuaValue result, int priority) {
		if (result.isnil()) {
			return Scheduling.DEFAULT.withPriority(priority);
		}
		if (!(result instanceof LuaTable table)) {
			throw malformed("a " + result.typename() + " instead of a table");
		}
		LuaValue key = table.rawget("fairness_key");
		if (!key.isnil() && !key.isstring()) {
			throw malformed("fairness_key of type " + key.typename() + " instead of a string");
		}
		LuaValue weight = table.rawget("weight");
		double value = weight.isnumber() ? weight.todouble() : Double.NaN;
		// The operators' override range: past it, deficits overflow or a key never earns a credit.
		if (!weight.isnil() && !(value >= FilaFlowControl.MIN_WEIGHT && value <= FilaFlowControl.MAX_WEIGHT)) {
			throw malformed("weight " + abbreviate(weight.tojstring()) + " instead of a number from "
					+ FilaFlowControl.MIN_WEIGHT + " to " + FilaFlowControl.MAX_WEIGHT);
		}
		return new Scheduling(key.isnil() ? Scheduling.DEFAULT_KEY : key.tojstring(), weight.isnil() ? 1 : value,
				throttleKeys(table.rawget("throttle_keys")), priority(table.rawget("priority"), priority));
	}

	/** An integer from 0 to 9; a string of one is taken too, as headers carry it. */
	private static int priority(LuaValue value, int producers) {
		if (value.isnil()) {
			return producers;
		}
		double level = value.isnumber() ? value.todouble() : Double.NaN;
		if (!(level >= Scheduling.MIN_PRIORITY && level <= Scheduling.MAX_PRIORITY) || level != Math.rint(level)) {
			throw malformed("priority " + abbreviate(value.tojstring()) + " instead of an integer from "
					+ Scheduling.MIN_PRIORITY + " to " + Scheduling.MAX_PRIORITY);
		}
		return (int) level;
	}

	private static String abbreviate(String text) {
		return (text.length() <= 40) ? text : text.substring(0, 40) + "...";
	}

	private static List<String> throttleKeys(LuaValue keys) {
		if (keys.isnil()) {
			return List.of();
		}
		if (keys.isstring()) {
			return List.of(keys.tojstring());
		}
		if (!(keys instanceof LuaTable list)) {
			throw malformed("throttle_keys of type " + keys.typename() + " instead of a list of strings");
		}
		List<String> result = new ArrayList<>();
		for (int i = 1, n = list.rawlen(); i <= n; i++) {
			LuaValue key = list.rawget(i);
			if (!key.isstring()) {
				throw malformed("a throttle key of type " + key.typename());
			}
			result.add(key.tojstring());
		}
		return result;
	}

	private static LuaError malformed(String problem) {
		return new LuaError(HOOK + " returned " + problem);
	}

}
