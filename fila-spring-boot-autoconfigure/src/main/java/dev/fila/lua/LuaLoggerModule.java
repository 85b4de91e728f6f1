package dev.fila.lua;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.TwoArgFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The {@code logger} module of handler scripts: {@code logger.info("message", { key = value })}
 * (and {@code debug}, {@code warn}, {@code error}) through SLF4J, with the fields as key-value
 * pairs and a logger named after the consumer.
 */
final class LuaLoggerModule {

	private LuaLoggerModule() {
	}

	static LuaTable create(String consumerId) {
		Logger logger = LoggerFactory.getLogger("dev.fila.lua.handler." + consumerId);
		ReadOnlyLuaTable module = new ReadOnlyLuaTable();
		module.rawset("debug", new Log(logger, Level.DEBUG, consumerId));
		module.rawset("info", new Log(logger, Level.INFO, consumerId));
		module.rawset("warn", new Log(logger, Level.WARN, consumerId));
		module.rawset("error", new Log(logger, Level.ERROR, consumerId));
		module.seal();
		return module;
	}

	private static final class Log extends TwoArgFunction {

		private final Logger logger;

		private final Level level;

		private final String consumerId;

		Log(Logger logger, Level level, String consumerId) {
			this.logger = logger;
			this.level = level;
			this.consumerId = consumerId;
		}

		@Override
		public LuaValue call(LuaValue message, LuaValue fields) {
			if (!this.logger.isEnabledForLevel(this.level)) {
				return LuaValue.NIL;
			}
			LoggingEventBuilder event = this.logger.atLevel(this.level)
				.setMessage(message.tojstring())
				.addKeyValue("consumer", this.consumerId);
			if (fields.istable()) {
				LuaValues.forEach(fields, (key, value) -> event.addKeyValue(key.tojstring(), value.tojstring()));
			}
			event.log();
			return LuaValue.NIL;
		}

	}

}
