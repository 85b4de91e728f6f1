package dev.fila.lua;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import tools.jackson.databind.json.JsonMapper;

import dev.fila.config.RuntimeConfig;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.Acknowledgement;
import dev.fila.listener.FilaMessageHandler;

/**
 * A consumer written in Lua: the script returns {@code function(body, msg)}; returning a
 * value (or nothing) acks, returning {@code nil, err} or raising an error nacks. Scripts can
 * {@code require} the {@code json}, {@code logger} and {@code queue} modules and nothing else.
 * Each worker thread runs the compiled script in its own sandbox.
 */
public final class LuaHandler implements FilaMessageHandler {

	static final String HOOK = "handler";

	private final String consumerId;

	private final LuaScript script;

	private final long timeoutNanos;

	private final LuaTable modules;

	private final RuntimeConfig runtimeConfig;

	private final LuaObserver observer;

	private final ThreadLocal<@Nullable Loaded> loaded = new ThreadLocal<>();

	LuaHandler(String consumerId, LuaScript script, LuaSettings settings, FilaTemplate template, JsonMapper jsonMapper,
			RuntimeConfig runtimeConfig, LuaObserver observer) {
		this.consumerId = consumerId;
		this.script = script;
		this.timeoutNanos = settings.handlerTimeout().toNanos();
		this.runtimeConfig = runtimeConfig;
		this.observer = observer;
		ReadOnlyLuaTable available = new ReadOnlyLuaTable();
		available.rawset("json", LuaJsonModule.create(jsonMapper));
		available.rawset("logger", LuaLoggerModule.create(consumerId));
		available.rawset("queue", LuaQueueModule.create(template, jsonMapper));
		available.seal();
		this.modules = available;
		this.loaded.set(load());
	}

	@Override
	public void handle(FilaMessage message, Acknowledgement acknowledgement) throws Exception {
		LuaTable msg = new LuaTable(0, 6);
		msg.rawset("id", message.id());
		msg.rawset("queue", message.queue());
		msg.rawset("headers", LuaValues.table(message.headers()));
		msg.rawset("attempts", message.attempts());
		msg.rawset("fairness_key", message.fairnessKey());
		msg.rawset("enqueued_at", message.enqueuedAt().toEpochMilli());
		String error;
		try {
			Loaded handler = this.loaded.get();
			if (handler == null) {
				handler = load();
				this.loaded.set(handler);
			}
			error = handler.sandbox()
				.call(handler.function(), LuaValue.varargsOf(LuaString.valueUsing(message.payload()), msg),
						this.timeoutNanos, LuaHandler::returnedError);
		}
		catch (LuaLimitExceeded ex) {
			failed(message, ex.isTimeout() ? "timeout" : "error", ex.getMessage());
			return;
		}
		catch (LuaError ex) {
			failed(message, "error", ex.getMessage());
			return;
		}
		if (error != null) {
			this.observer.executed(message.queue(), HOOK, "error");
			throw new LuaHandlerException(LuaValues.abbreviate(error));
		}
		this.observer.executed(message.queue(), HOOK, "success");
	}

	/** A call that raised an error or exceeded a limit: its sandbox is thrown away. */
	private void failed(FilaMessage message, String outcome, @Nullable String error) {
		this.loaded.remove();
		this.observer.executed(message.queue(), HOOK, outcome);
		throw new LuaHandlerException(LuaValues.abbreviate(error));
	}

	/** @return the error of a {@code return nil, err}, or {@code null} when the handler returned a value */
	private static @Nullable String returnedError(Varargs results) {
		if (results.arg1().isnil() && !results.arg(2).isnil()) {
			// tojstring, not tostring: a __tostring metamethod does not run.
			return results.arg(2).tojstring();
		}
		return null;
	}

	@Override
	public String describe() {
		return "Lua handler " + this.script.name() + " of consumer '" + this.consumerId + "'";
	}

	private Loaded load() {
		LuaSandbox sandbox = LuaSandbox.create(LuaLimits.HANDLER);
		sandbox.globals().rawset("fila", LuaValues.filaTable(this.runtimeConfig));
		LuaTable modules = this.modules;
		sandbox.globals().rawset("require", new OneArgFunction() {
			@Override
			public LuaValue call(LuaValue name) {
				LuaValue module = modules.get(name.checkjstring());
				if (module.isnil()) {
					throw new LuaError("module '" + name.tojstring() + "' not found (available: json, logger, queue)");
				}
				return module;
			}
		});
		LuaValue function = sandbox.runChunk(this.script.prototype(), this.timeoutNanos).arg1();
		if (!function.isfunction()) {
			throw new LuaError(this.script.name() + " must return a function(body, msg), returned a "
					+ function.typename());
		}
		return new Loaded(sandbox, function);
	}

	private record Loaded(LuaSandbox sandbox, LuaValue function) {
	}

	/** A handler script failed: the message is nacked with this error. */
	static final class LuaHandlerException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		LuaHandlerException(@Nullable String message) {
			super(message);
		}

	}

}
