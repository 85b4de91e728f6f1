package dev.fila.lua;

import java.util.Map;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;

import dev.fila.config.RuntimeConfig;

/**
 * Conversions between Fila's Java values and Lua tables.
 */
final class LuaValues {

	private LuaValues() {
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
