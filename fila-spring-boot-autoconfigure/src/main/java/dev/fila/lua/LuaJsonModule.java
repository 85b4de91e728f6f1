package dev.fila.lua;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code json} module of handler scripts: {@code json.encode(value)} and
 * {@code json.decode(text)}, with the application's Jackson mapper. Tables whose keys are
 * exactly 1..n become arrays, other tables objects; JSON null decodes to nil. Tables are read
 * raw (no metamethods), and both directions charge the call's {@link CallBudget}: a table
 * that shares subtables cannot make {@code encode} work longer than its output, which stays
 * within the string limit.
 */
final class LuaJsonModule {

	private static final int MAX_DEPTH = 64;

	/** Java objects built per byte of JSON, roughly, when decoding. */
	private static final int DECODE_BYTES_PER_BYTE = 16;

	private LuaJsonModule() {
	}

	static LuaTable create(JsonMapper mapper) {
		ReadOnlyLuaTable module = new ReadOnlyLuaTable();
		module.rawset("encode", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue value) {
				return LuaValue.valueOf(encode(mapper, value, "json.encode"));
			}
		});
		module.rawset("decode", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue text) {
				CallBudget budget = CallBudget.current();
				long length = text.checkstring().length();
				budget.allocate(length * DECODE_BYTES_PER_BYTE);
				budget.work(length / CallBudget.BYTES_PER_UNIT);
				try {
					return toLua(mapper.readTree(text.checkjstring()), budget);
				}
				catch (JacksonException ex) {
					throw new LuaError("json.decode: " + ex.getOriginalMessage());
				}
			}
		});
		module.seal();
		return module;
	}

	/**
	 * Encodes a Lua value as JSON within the current call's budget.
	 * @param mapper the application's mapper
	 * @param value the value
	 * @param caller the Lua function named in errors
	 * @return the JSON text
	 */
	static String encode(JsonMapper mapper, LuaValue value, String caller) {
		CallBudget budget = CallBudget.current();
		try {
			String json = mapper.writeValueAsString(new Encoder(budget, caller).toJava(value, 0));
			budget.string(json.length());
			return json;
		}
		catch (JacksonException ex) {
			throw new LuaError(caller + ": " + ex.getOriginalMessage());
		}
	}

	static LuaValue toLua(JsonNode node, CallBudget budget) {
		budget.work(1);
		if (node.isObject()) {
			LuaTable table = new LuaTable();
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				table.rawset(field.getKey(), toLua(field.getValue(), budget));
			}
			return table;
		}
		if (node.isArray()) {
			LuaTable table = new LuaTable(node.size(), 0);
			for (int i = 0; i < node.size(); i++) {
				table.rawset(i + 1, toLua(node.get(i), budget));
			}
			return table;
		}
		if (node.isIntegralNumber() && node.canConvertToInt()) {
			return LuaValue.valueOf(node.intValue());
		}
		if (node.isNumber()) {
			return LuaValue.valueOf(node.doubleValue());
		}
		if (node.isBoolean()) {
			return LuaValue.valueOf(node.booleanValue());
		}
		if (node.isString()) {
			return LuaValue.valueOf(node.stringValue());
		}
		return LuaValue.NIL;
	}

	/** Lua values to Jackson's Java values, counting the JSON they will make. */
	private static final class Encoder {

		/** JSON bytes a value adds besides its strings: punctuation, a number, a literal. */
		private static final int VALUE_BYTES = 24;

		private final CallBudget budget;

		private final String caller;

		private long size;

		Encoder(CallBudget budget, String caller) {
			this.budget = budget;
			this.caller = caller;
		}

		@Nullable Object toJava(LuaValue value, int depth) {
			if (depth > MAX_DEPTH) {
				throw new LuaError(this.caller + ": nesting deeper than " + MAX_DEPTH);
			}
			grow(VALUE_BYTES);
			switch (value.type()) {
				case LuaValue.TNIL:
					return null;
				case LuaValue.TBOOLEAN:
					return value.toboolean();
				case LuaValue.TNUMBER:
					return value.isinttype() ? (Object) value.toint() : (Object) value.todouble();
				case LuaValue.TSTRING:
					grow(value.rawlen());
					return value.tojstring();
				case LuaValue.TTABLE:
					return tableToJava((LuaTable) value, depth);
				default:
					throw new LuaError(this.caller + ": cannot encode a " + value.typename());
			}
		}

		private Object tableToJava(LuaTable table, int depth) {
			int length = table.rawlen();
			int[] count = { 0 };
			LuaValues.forEach(table, (key, value) -> count[0]++);
			this.budget.work(count[0]);
			if (length > 0 && count[0] == length) {
				List<@Nullable Object> list = new ArrayList<>(length);
				for (int i = 1; i <= length; i++) {
					list.add(toJava(table.rawget(i), depth + 1));
				}
				return list;
			}
			Map<String, @Nullable Object> map = new LinkedHashMap<>();
			LuaValues.forEach(table, (key, value) -> {
				grow((key.type() == LuaValue.TSTRING) ? key.rawlen() : VALUE_BYTES);
				map.put(key.tojstring(), toJava(value, depth + 1));
			});
			return map;
		}

		/** The JSON would grow by {@code bytes}: refused past the string limit. */
		private void grow(long bytes) {
			this.size += bytes;
			this.budget.checkLength(this.size);
			this.budget.allocate(bytes * 4);
			this.budget.work(1 + bytes / CallBudget.BYTES_PER_UNIT);
		}

	}

}
