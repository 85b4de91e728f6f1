package dev.fila.lua;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.RuntimeConfig;
import dev.fila.core.FilaConfigurationException;
import dev.fila.queue.LogLimit;

/**
 * Runs one hook function ({@code on_enqueue} or {@code on_failure}) of one queue's script.
 * <p>
 * luaj globals are not thread-safe, so each thread gets its own sandbox running the shared
 * compiled script: no lock on the hot path. A call that errors, exceeds a limit or returns
 * something malformed yields {@code null} (the caller applies its defaults) and counts
 * towards the circuit breaker; the failed sandbox is thrown away. The result is read while
 * the limits still apply, and readers use raw access, so no script code runs after the call.
 */
final class LuaHook {

	private static final Logger logger = LoggerFactory.getLogger(LuaHook.class);

	private final String queue;

	private final String hookName;

	private final LuaScript script;

	private final RuntimeConfig config;

	private final long timeoutNanos;

	private final LuaCircuitBreaker breaker;

	private final LuaObserver observer;

	private final ThreadLocal<@Nullable Loaded> loaded = new ThreadLocal<>();

	private final LongSupplier nanoTime;

	/** Failures at WARN, but not one line per message: a broken hook fails on every one. */
	private final LogLimit failureLog = new LogLimit(5, Duration.ofSeconds(10));

	private final AtomicLong errors = new AtomicLong();

	private final AtomicLong timeouts = new AtomicLong();

	private volatile @Nullable String lastError;

	private volatile @Nullable Instant lastErrorAt;

	/** Calls made at start-up, before any message, so that the first real calls run warm. */
	static final int WARM_UP_CALLS = 20;

	/**
	 * @throws FilaConfigurationException when the script does not define the hook function
	 */
	LuaHook(String queue, String hookName, String property, LuaScript script, RuntimeConfig config,
			LuaSettings settings, LuaObserver observer, LongSupplier nanoTime) {
		this.queue = queue;
		this.hookName = hookName;
		this.script = script;
		this.config = config;
		this.timeoutNanos = settings.hookTimeout().toNanos();
		this.breaker = new LuaCircuitBreaker(settings.failureThreshold(), settings.cooldown(), nanoTime);
		this.observer = observer;
		this.nanoTime = nanoTime;
		try {
			this.loaded.set(load());
		}
		catch (RuntimeException | LuaLimitExceeded ex) {
			throw new FilaConfigurationException(property, script.name(),
					"a Lua script that defines function " + hookName + "(msg): " + ex.getMessage(), ex);
		}
	}

	/**
	 * Calls the hook and reads its result, both under the hook's limits.
	 * @param <T> what the result is read into
	 * @param message the {@code msg} argument
	 * @param reader reads the first returned value; throws {@link LuaError} when it is malformed
	 * @return what the reader made of the result, or {@code null} when the hook was bypassed or failed
	 */
	<T> @Nullable T call(LuaValue message, Function<LuaValue, T> reader) {
		if (!this.breaker.allowsCall()) {
			this.observer.executed(this.queue, this.hookName, "bypassed");
			return null;
		}
		String outcome = "error";
		try {
			Loaded hook = this.loaded.get();
			if (hook == null) {
				hook = load();
				this.loaded.set(hook);
			}
			T result = hook.sandbox()
				.call(hook.function(), message, this.timeoutNanos, (results) -> reader.apply(results.arg1()));
			this.breaker.recordSuccess();
			outcome = "success";
			return result;
		}
		catch (LuaLimitExceeded ex) {
			outcome = ex.isTimeout() ? "timeout" : "error";
			if (ex.isTimeout()) {
				this.timeouts.incrementAndGet();
			}
			failed(ex.getMessage());
			return null;
		}
		catch (LuaError ex) {
			failed(ex.getMessage());
			return null;
		}
		finally {
			this.observer.executed(this.queue, this.hookName, outcome);
		}
	}

	/**
	 * Runs the hook on a sample message a few times, before any message arrives: the first
	 * calls of a JVM load classes and run interpreted, and would otherwise risk the hook's time
	 * limit (10 ms by default) on the first messages. Nothing is counted or logged; a call that
	 * fails (the sample lacks what the hook expects) only ends the warm-up.
	 * @param sample a message of the shape the hook gets
	 */
	void warmUp(LuaValue sample) {
		Loaded hook = this.loaded.get();
		if (hook == null) {
			return;
		}
		try {
			for (int i = 0; i < WARM_UP_CALLS; i++) {
				hook.sandbox().call(hook.function(), sample, this.timeoutNanos * 10, (results) -> results.arg1());
			}
		}
		catch (LuaError | LuaLimitExceeded ex) {
			this.loaded.remove();
		}
	}

	/** @return what the hook has been doing */
	LuaHookState state() {
		return new LuaHookState(this.queue, this.hookName, this.breaker.isOpen(), this.errors.get(),
				this.timeouts.get(), this.lastError, this.lastErrorAt);
	}

	/** @return whether the circuit breaker currently bypasses the hook */
	boolean isBypassed() {
		return this.breaker.isOpen();
	}

	private void failed(@Nullable String reason) {
		this.loaded.remove();
		String error = LuaValues.abbreviate(reason);
		this.errors.incrementAndGet();
		this.lastError = error;
		this.lastErrorAt = Instant.now();
		boolean opened = this.breaker.recordFailure();
		long left = this.failureLog.admit(this.nanoTime.getAsLong());
		if (left >= 0) {
			logger.warn("Lua {} hook of queue '{}' failed, using defaults: {}{}", this.hookName, this.queue, error,
					(left > 0) ? " (" + left + " more failures not logged in the last 10s)" : "");
		}
		if (opened) {
			logger.warn("Lua {} hook of queue '{}' failed repeatedly: bypassing it (circuit breaker open)",
					this.hookName, this.queue);
		}
	}

	private Loaded load() {
		LuaSandbox sandbox = LuaSandbox.create(LuaLimits.HOOK);
		sandbox.globals().rawset("fila", LuaValues.filaTable(this.config));
		sandbox.runChunk(this.script.prototype(), this.timeoutNanos * 10);
		// Raw: an __index the chunk gave _G would run here, outside any call's limits.
		LuaValue function = sandbox.globals().rawget(this.hookName);
		if (!function.isfunction()) {
			throw new LuaError(this.script.name() + " does not define function " + this.hookName);
		}
		return new Loaded(sandbox, function);
	}

	/** A thread's own sandbox with the hook function defined in it. */
	private record Loaded(LuaSandbox sandbox, LuaValue function) {
	}

}
