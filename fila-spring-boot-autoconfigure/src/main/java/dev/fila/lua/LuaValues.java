package dev.fila.lua;

import java.util.Map;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;

import dev.fila.config.RuntimeConfig;

/**
 * Conversions between Fila's Java values and Lua tables.
 */
final class LuaValues {

	static final int MAX_MESSAGE_LENGTH = 1000;

	private LuaValues() {
	}

	/**
	 * Calls {@code action} with every key and value of a Lua table.
	 * @param table the table
	 * @param action receives each key and value
	 */
	static void forEach(LuaValue table, BiConsumer<LuaValue, LuaValue> action) {
		LuaValue key = LuaValue.NIL;
		while (true) {
			Varargs next = table.next(key);
			key = next.arg1();
			if (key.isnil()) {
				return;
			}
			action.accept(key, next.arg(2));
		}
	}

	/**
	 * @param text an error message, possibly built by a script
	 * @return the message cut to {@value #MAX_MESSAGE_LENGTH} characters, for logs and headers
	 */
	static @Nullable String abbreviate(@Nullable String text) {
		if (text == null || text.length() <= MAX_MESSAGE_LENGTH) {
			return text;
		}
		return text.substring(0, MAX_MESSAGE_LENGTH) + "... (" + text.length() + " characters)";
	}

	/** @return a fresh Lua table copy of {@code map}: scripts may change it, nobody sees it */
	static LuaTable table(Map<String, String> map) {
		LuaTable table = new LuaTable(0, map.size());
		map.forEach((key, value) -> table.rawset(key, value));
		return table;
	}

	/** @return the read-only {@code fila} table with {@code fila.get(key)} */
	static LuaTable filaTable(RuntimeConfig config) {
		ReadOnlyLuaTable fila = new ReadOnlyLuaTable();
		fila.rawset("get", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue key) {
				return config.get(key.checkjstring()).<LuaValue>map(LuaValue::valueOf).orElse(LuaValue.NIL);
			}
		});
		fila.seal();
		return fila;
	}

}
