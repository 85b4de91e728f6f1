package dev.fila.lua;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.ThreeArgFunction;

import dev.fila.core.FilaException;
import dev.fila.core.FilaTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code queue} module of handler scripts: {@code queue.publish(queue, payload, headers)}
 * enqueues through the {@link FilaTemplate} (so the target queue's {@code on_enqueue} hook
 * applies) and returns the message id. A string payload is sent as its bytes, a table as JSON
 * (as {@code json.encode} makes it).
 */
final class LuaQueueModule {

	private LuaQueueModule() {
	}

	static LuaTable create(FilaTemplate template, JsonMapper jsonMapper) {
		ReadOnlyLuaTable module = new ReadOnlyLuaTable();
		module.rawset("publish", new ThreeArgFunction() {
			@Override
			public LuaValue call(LuaValue queue, LuaValue payload, LuaValue headers) {
				Map<String, String> headerMap = new LinkedHashMap<>();
				if (headers.istable()) {
					LuaValues.forEach(headers, (key, value) -> headerMap.put(key.tojstring(), value.tojstring()));
				}
				else if (!headers.isnil()) {
					throw new LuaError("queue.publish: headers must be a table");
				}
				byte[] bytes;
				if (payload.type() == LuaValue.TSTRING) {
					LuaString body = payload.checkstring();
					bytes = new byte[body.rawlen()];
					body.copyInto(0, bytes, 0, bytes.length);
				}
				else if (payload.istable()) {
					bytes = LuaJsonModule.encode(jsonMapper, payload, "queue.publish")
						.getBytes(StandardCharsets.UTF_8);
				}
				else {
					throw new LuaError("queue.publish: payload must be a string or a table, not a " + payload.typename());
				}
				try {
					return LuaValue.valueOf(template.enqueue(queue.checkjstring(), headerMap, bytes));
				}
				catch (FilaException | IllegalArgumentException ex) {
					throw new LuaError("queue.publish: " + ex.getMessage());
				}
			}
		});
		module.seal();
		return module;
	}

}
