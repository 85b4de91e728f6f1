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
 * exactly 1..n become arrays, other tables objects; JSON null decodes to nil.
 */
final class LuaJsonModule {

	private static final int MAX_DEPTH = 64;

	private LuaJsonModule() {
	}

	static LuaTable create(JsonMapper mapper) {
		ReadOnlyLuaTable module = new ReadOnlyLuaTable();
		module.rawset("encode", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue value) {
				try {
					return LuaValue.valueOf(mapper.writeValueAsString(toJava(value, 0)));
				}
				catch (JacksonException ex) {
					throw new LuaError("json.encode: " + ex.getOriginalMessage());
				}
			}
		});
		module.rawset("decode", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue text) {
				try {
					return toLua(mapper.readTree(text.checkjstring()));
				}
				catch (JacksonException ex) {
					throw new LuaError("json.decode: " + ex.getOriginalMessage());
				}
			}
		});
		module.seal();
		return module;
	}

	static @Nullable Object toJava(LuaValue value, int depth) {
		if (depth > MAX_DEPTH) {
			throw new LuaError("json.encode: nesting deeper than " + MAX_DEPTH);
		}
		switch (value.type()) {
			case LuaValue.TNIL:
				return null;
			case LuaValue.TBOOLEAN:
				return value.toboolean();
			case LuaValue.TNUMBER:
				return value.isinttype() ? (Object) value.toint() : (Object) value.todouble();
			case LuaValue.TSTRING:
				return value.tojstring();
			case LuaValue.TTABLE:
				return tableToJava((LuaTable) value, depth);
			default:
				throw new LuaError("json.encode: cannot encode a " + value.typename());
		}
	}

	private static Object tableToJava(LuaTable table, int depth) {
		int length = table.length();
		int[] count = { 0 };
		LuaValues.forEach(table, (key, value) -> count[0]++);
		if (length > 0 && count[0] == length) {
			List<@Nullable Object> list = new ArrayList<>(length);
			for (int i = 1; i <= length; i++) {
				list.add(toJava(table.get(i), depth + 1));
			}
			return list;
		}
		Map<String, @Nullable Object> map = new LinkedHashMap<>();
		LuaValues.forEach(table, (key, value) -> map.put(key.tojstring(), toJava(value, depth + 1)));
		return map;
	}

	static LuaValue toLua(JsonNode node) {
		if (node.isObject()) {
			LuaTable table = new LuaTable();
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				table.rawset(field.getKey(), toLua(field.getValue()));
			}
			return table;
		}
		if (node.isArray()) {
			LuaTable table = new LuaTable(node.size(), 0);
			for (int i = 0; i < node.size(); i++) {
				table.rawset(i + 1, toLua(node.get(i)));
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

}
