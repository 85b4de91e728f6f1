package dev.fila.lua;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.core.io.DefaultResourceLoader;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.Acknowledgement;
import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Hostile scripts, each run as an {@code on_enqueue} hook, an {@code on_failure} hook and a
 * handler script. Every one must end within a bounded time and allocation, give the defaults
 * (hooks) or a nack (handlers), throw nothing else at the caller, and leave the thread able to
 * run the same script's normal path and other scripts.
 */
class LuaHostileScriptsTests {

	private static final Duration HOOK_TIMEOUT = Duration.ofMillis(50);

	private static final Duration HANDLER_TIMEOUT = Duration.ofMillis(500);

	/** Far above the per-call budgets: only a call the limits do not bound gets here. */
	private static final long ALLOCATION_BOUND = 1L << 30;

	private static final String LOOP = "function() while true do end end";

	private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(100), 2, Duration.ofSeconds(1));

	private static final Map<String, String> HOSTILE = Map.of("mode", "hostile", "big", "a".repeat(64 * 1024));

	private static final Map<String, String> NORMAL = Map.of("mode", "normal");

	private static final MemoryDriver driver = new MemoryDriver("memory");

	private static FilaTemplate template;

	private final LuaSettings settings = new LuaSettings(HOOK_TIMEOUT, HANDLER_TIMEOUT, 1000, Duration.ofSeconds(1));

	private final LuaQueuePolicyFactory policies = new LuaQueuePolicyFactory(new DefaultResourceLoader(),
			new InMemoryRuntimeConfig(Map.of()), this.settings, LuaObserver.NONE);

	@BeforeAll
	static void createTemplate() {
		QueueDefinition sink = new QueueDefinition("sink", null, Duration.ofSeconds(30), 1, true, RETRY, null, null);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", driver), "memory"),
				Map.of("sink", sink), new LuaQueuePolicyFactory(new DefaultResourceLoader(),
						new InMemoryRuntimeConfig(Map.of()), LuaSettings.DEFAULTS, LuaObserver.NONE));
		template = new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
	}

	@AfterAll
	static void closeDriver() {
		driver.close();
	}

	/**
	 * The hostile scripts: a name, the body of the hook or handler function (with {@code msg}
	 * in scope; {@code msg.headers.big} is 64 KiB of "a"), and whether a handler must nack
	 * (false where returning the value is a legitimate ack, as long as nothing runs unbounded).
	 */
	static Stream<Arguments> scripts() {
		String evil = "setmetatable({}, { __index = " + LOOP + ", __len = " + LOOP + ", __tostring = " + LOOP
				+ ", __eq = " + LOOP + ", __lt = " + LOOP + ", __le = " + LOOP + ", __concat = " + LOOP
				+ ", __call = " + LOOP + ", __unm = " + LOOP + " })";
		return Stream.of(
				// Escapes
				Arguments.of("debug library", "return { fairness_key = debug.getinfo(1).source }", true),
				Arguments.of("load", "return load('return { fairness_key = \"x\" }')()", true),
				Arguments.of("loadstring", "return loadstring('return {}')()", true),
				Arguments.of("dofile", "return dofile('/etc/hostname')", true),
				Arguments.of("require of an unknown module", "return require('io').open('/etc/hostname')", true),
				Arguments.of("luajava", "return luajava.bindClass('java.lang.System'):exit(1)", true),
				Arguments.of("coroutines", "local co = coroutine.create(" + LOOP + ") coroutine.resume(co) return {}",
						true),
				Arguments.of("string metatable __index replaced",
						"getmetatable('').__index = { upper = function() return 'evil' end } return {}", true),
				Arguments.of("string library function replaced",
						"string.upper = function() return 'evil' end return {}", true),
				Arguments.of("rawset on a read-only library", "rawset(string, 'upper', print) return {}", true),
				Arguments.of("setmetatable on a library", "setmetatable(math, { __index = " + LOOP + " }) return {}",
						true),
				Arguments.of("_ENV replaced by a looping table",
						"_ENV = setmetatable({}, { __index = " + LOOP + " }) return { fairness_key = anything }", true),
				Arguments.of("_G with a recursive __index",
						"setmetatable(_G, { __index = function(t, k) return t[k] end }) return { fairness_key = missing }",
						true),
				// Results with metamethods, read after the call
				Arguments.of("result with a looping __index", "return setmetatable({}, { __index = " + LOOP + " })",
						false),
				Arguments.of("fairness_key with every metamethod", "return { fairness_key = " + evil + " }", false),
				Arguments.of("weight with every metamethod", "return { weight = " + evil + " }", false),
				Arguments.of("throttle_keys with every metamethod", "return { throttle_keys = " + evil + " }", false),
				Arguments.of("throttle key element with every metamethod",
						"return { throttle_keys = { 'ok', " + evil + " } }", false),
				Arguments.of("action with every metamethod", "return { action = " + evil + " }", false),
				Arguments.of("delay_ms with every metamethod", "return { action = 'retry', delay_ms = " + evil + " }",
						false),
				Arguments.of("throttle_keys whose __len and __index answer forever",
						"return { throttle_keys = setmetatable({}, { __len = function() return 2^31 - 1 end,"
								+ " __index = function(t, i) return 'k' .. i end }) }",
						false),
				Arguments.of("error value with every metamethod", "return nil, " + evil, true),
				// Errors
				Arguments.of("error with a table with __tostring", "error(" + evil + ")", true),
				Arguments.of("error with nil", "error(nil)", true),
				Arguments.of("error with a table and a level", "error({ code = 1 }, 2)", true),
				Arguments.of("xpcall handler that loops",
						"xpcall(function() error('x') end, " + LOOP + ") return {}", true),
				Arguments.of("xpcall handler that errors forever",
						"local h h = function(e) error(e) end xpcall(function() error('x') end, h) error('after')",
						true),
				// Recursion
				Arguments.of("deep recursion", "local function f(n) return 1 + f(n + 1) end return { weight = f(1) }",
						true),
				Arguments.of("recursion through pcall", "local function f() return pcall(f) end f() error('x')", true),
				Arguments.of("recursion through __index",
						"local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k .. 'x'] end"
								+ " return { fairness_key = t.a }",
						true),
				Arguments.of("recursion through string.gsub callbacks",
						"local function f(s) return (string.gsub(s, '.', f)) end return { fairness_key = f('ab') }",
						true),
				Arguments.of("recursion through __tostring",
						"local t = setmetatable({}, {}) getmetatable(t).__tostring = function(s) return tostring(s) end"
								+ " return { fairness_key = tostring(t) }",
						true),
				Arguments.of("pattern recursion", "local p = string.rep('a?', 200000)"
						+ " return { fairness_key = string.rep('a', 200000):match(p) }", true),
				// Pattern and string work in Java
				Arguments.of("backtracking string.find on a large header",
						"return { fairness_key = msg.headers.big:find(string.rep('a*', 24) .. 'b') }", true),
				Arguments.of("exponential string.match", "return { fairness_key = string.rep('a', 40):match("
						+ "string.rep('a?', 40) .. string.rep('a', 40)) }", true),
				Arguments.of("backtracking string.gmatch",
						"for w in msg.headers.big:gmatch(string.rep('a-', 24) .. 'b') do end error('x')", true),
				Arguments.of("backtracking string.gsub",
						"return { fairness_key = msg.headers.big:gsub(string.rep('a*', 24) .. 'b', '') }", true),
				Arguments.of("quadratic plain string.find", "local s = string.rep('a', 2^20)"
						+ " return { fairness_key = s:find(string.rep('a', 2^19) .. 'b', 1, true) }", true),
				Arguments.of("table.sort of long equal strings", "local s = string.rep('x', 2^20) local t = {}"
						+ " for i = 1, 20000 do t[i] = s:sub(1, 2^20 - i % 2) end table.sort(t) error('x')", true),
				Arguments.of("comparisons of long strings",
						"local a = string.rep('x', 2^20) local b = a:sub(1, -2) .. 'y' while a < b do end", true),
				Arguments.of("table.insert at the front",
						"local t = {} for i = 1, 1e7 do table.insert(t, 1, i) end error('x')", true),
				// Allocation
				Arguments.of("concat doubling", "local s = 'x' for i = 1, 40 do s = s .. s end"
						+ " return { fairness_key = s }", true),
				Arguments.of("one concat of many large strings", "local s = string.rep('x', 2^20)"
						+ " return { fairness_key = s .. s .. s .. s .. s .. s .. s .. s .. s .. s .. s .. s .. s .. s .. s"
						+ " .. s .. s .. s .. s .. s .. s .. s .. s .. s }", true),
				Arguments.of("strings grown through __concat",
						"local big = string.rep('x', 2^19) local s = big local t = setmetatable({}, { __concat ="
								+ " function() return s end }) for i = 1, 1e6 do s = big .. big .. t end error('x')",
						true),
				Arguments.of("string.rep kept in a table", "local t = {} for i = 1, 1e6 do"
						+ " t[i] = string.rep('x', 2^20 - i) end error('x')", true),
				Arguments.of("string.rep with a huge count", "return { fairness_key = string.rep('x', 2^40) }", true),
				Arguments.of("string.rep of an empty string a huge number of times",
						"return { fairness_key = string.rep('', 2^40) .. string.rep('', 2^40, '') }", false),
				Arguments.of("table growth", "local t = {} for i = 1, 1e9 do t[i] = { i } end error('x')", true),
				Arguments.of("table.concat of a large string many times", "local s = string.rep('x', 2^20)"
						+ " local t = {} for i = 1, 4096 do t[i] = s end return { fairness_key = table.concat(t) }",
						true),
				Arguments.of("string.format of a large string many times",
						"local s = string.rep('x', 2^20) local t = {} for i = 1, 4000 do t[i] = s end"
								+ " return { fairness_key = string.format(string.rep('%s', 4000), table.unpack(t)) }",
						true),
				Arguments.of("string.gsub replacing with a large string", "local s = string.rep('x', 2^20)"
						+ " return { fairness_key = s:gsub('x', s) }", true),
				Arguments.of("table.unpack of a huge range",
						"return { fairness_key = select('#', table.unpack({}, 1, 2^31 - 2)) }", true),
				Arguments.of("string.byte of a large string",
						"local t = { string.byte(string.rep('x', 2^20), 1, -1) } error(#t)", true),
				Arguments.of("huge numbers through tostring and string.format",
						"error(tostring(2^1023) .. string.format('%99.99f %099d %-99s', 2^1023, 2^53, 'x'))", true),
				Arguments.of("os.time with extreme fields",
						"error(tostring(os.time({ year = 2^31, month = -2^31, day = 0/0 })))", true),
				Arguments.of("json.encode of shared subtables", "local json = require('json')"
						+ " local t = { s = string.rep('x', 1024) } for i = 1, 60 do t = { a = t, b = t } end"
						+ " return json.encode(t)", true),
				Arguments.of("json.encode of a large string many times", "local json = require('json')"
						+ " local s = string.rep('x', 2^20) local t = {} for i = 1, 4000 do t[i] = s end"
						+ " return json.encode(t)", true),
				Arguments.of("json.encode of a table with metamethods", "local json = require('json')"
						+ " return json.encode(setmetatable({ 1, 2, x = 3 }, { __len = function() return 3 end,"
						+ " __index = " + LOOP + " }))", false),
				Arguments.of("json.decode of deep nesting", "local json = require('json')"
						+ " return json.decode(string.rep('[', 100000) .. string.rep(']', 100000))", true),
				Arguments.of("logger with __tostring values", "require('logger').error(" + evil + ", { k = " + evil
						+ " }) return nil, 'logged'", true),
				// Values
				Arguments.of("NaN weight and delay", "return { weight = 0/0, action = 'retry', delay_ms = 0/0 }", false),
				Arguments.of("infinite weight and delay", "return { weight = 1/0, action = 'retry', delay_ms = 1/0 }",
						false),
				Arguments.of("zero weight and negative delay", "return { weight = 0, action = 'retry', delay_ms = -1 }",
						false),
				Arguments.of("strings for numbers", "return { weight = 'heavy', action = 'retry', delay_ms = 'soon' }",
						false),
				Arguments.of("non-string keys and wrong types", "return { [1] = 'x', [true] = 1, [1.5] = 2,"
						+ " fairness_key = {}, throttle_keys = { [2] = 'b', [1.5] = 'a', x = 1 }, action = 1,"
						+ " delay_ms = true }", false));
	}

	@ParameterizedTest(name = "on_enqueue: {0}")
	@MethodSource("scripts")
	void enqueueHook(String name, String body, boolean handlerNacks) throws Exception {
		EnqueuePolicy policy = this.policies.enqueuePolicy(queue("""
				function on_enqueue(msg)
				  if msg.headers.mode ~= "hostile" then return { fairness_key = ("ok"):upper():lower() } end
				%s
				end
				""".formatted(body), null));
		Scheduling hostile = bounded(name, "on_enqueue", () -> policy.schedule(new EnqueueContext("q", HOSTILE, 1)));
		assertThat(hostile).isEqualTo(Scheduling.DEFAULT);
		assertThat(policy.schedule(new EnqueueContext("q", NORMAL, 1)).fairnessKey()).isEqualTo("ok");
		assertOtherScriptsUnaffected();
	}

	@ParameterizedTest(name = "on_failure: {0}")
	@MethodSource("scripts")
	void failureHook(String name, String body, boolean handlerNacks) throws Exception {
		FailurePolicy policy = this.policies.failurePolicy(queue(null, """
				function on_failure(msg)
				  if msg.headers.mode ~= "hostile" then return { action = ("dlq"):upper():lower() } end
				%s
				end
				""".formatted(body)));
		FailureDecision hostile = bounded(name, "on_failure",
				() -> policy.onFailure(new FailureContext("q", "id", 1, HOSTILE, "boom")));
		assertThat(hostile).as("the queue's retry settings decide").isEqualTo(RETRY.decide(1));
		assertThat(policy.onFailure(new FailureContext("q", "id", 1, NORMAL, "boom")))
			.isEqualTo(FailureDecision.deadLetter());
		assertOtherScriptsUnaffected();
	}

	@ParameterizedTest(name = "handler: {0}")
	@MethodSource("scripts")
	void handlerScript(String name, String body, boolean handlerNacks) throws Exception {
		LuaScript script = LuaScript.compile("""
				return function(body, msg)
				  if msg.headers.mode ~= "hostile" then return ("ok"):upper():lower() end
				%s
				end
				""".formatted(body), "fila.consumers.hostile.handler", new DefaultResourceLoader());
		LuaHandler handler = new LuaHandler("hostile", script, this.settings, template, JsonMapper.builder().build(),
				new InMemoryRuntimeConfig(Map.of()), LuaObserver.NONE);
		String outcome = bounded(name, "handler", () -> {
			try {
				handler.handle(message(HOSTILE), NO_ACKNOWLEDGEMENT);
				return "ack";
			}
			catch (LuaHandler.LuaHandlerException ex) {
				return "nack";
			}
		});
		if (handlerNacks) {
			assertThat(outcome).isEqualTo("nack");
		}
		handler.handle(message(NORMAL), NO_ACKNOWLEDGEMENT);
		assertOtherScriptsUnaffected();
	}

	/** A clean script on this thread still sees the real string library. */
	private void assertOtherScriptsUnaffected() {
		EnqueuePolicy clean = this.policies.enqueuePolicy(
				queue("function on_enqueue(msg) return { fairness_key = ('abc'):upper() .. string.lower('D') } end",
						null));
		assertThat(clean.schedule(new EnqueueContext("q", Map.of(), 0)).fairnessKey()).isEqualTo("ABCd");
	}

	/**
	 * Runs a hostile call on its own thread: fails when it does not end within 10 s, throws
	 * anything at the caller, or allocates more than {@link #ALLOCATION_BOUND}.
	 */
	private static <T> T bounded(String name, String kind, Callable<T> call) throws Exception {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long[] allocated = new long[1];
		long[] cpu = new long[1];
		FutureTask<T> task = new FutureTask<>(() -> {
			long before = threads.getCurrentThreadAllocatedBytes();
			long cpuBefore = threads.getCurrentThreadCpuTime();
			try {
				return call.call();
			}
			finally {
				allocated[0] = threads.getCurrentThreadAllocatedBytes() - before;
				cpu[0] = threads.getCurrentThreadCpuTime() - cpuBefore;
			}
		});
		Thread thread = new Thread(task, "hostile-" + kind);
		thread.setDaemon(true);
		long start = System.nanoTime();
		thread.start();
		try {
			T result = task.get(10, TimeUnit.SECONDS);
			report(name, kind, start, cpu[0], allocated[0], String.valueOf(result));
			assertThat(allocated[0]).as("bytes allocated").isLessThan(ALLOCATION_BOUND);
			return result;
		}
		catch (TimeoutException ex) {
			report(name, kind, start, -1, -1, "did not finish");
			return fail(kind + " '" + name + "' did not finish within 10 s");
		}
		catch (ExecutionException ex) {
			report(name, kind, start, cpu[0], allocated[0], "threw " + ex.getCause());
			return fail(kind + " '" + name + "' threw at the caller", ex.getCause());
		}
	}

	/** One line per call, for comparing runs: wall and CPU time, allocation, outcome. */
	private static void report(String name, String kind, long start, long cpuNanos, long allocated, String outcome) {
		System.out.printf("HOSTILE | %s | %s | %d ms | %d ms CPU | %d MiB | %s%n", kind, name,
				Duration.ofNanos(System.nanoTime() - start).toMillis(), cpuNanos / 1_000_000, allocated >> 20,
				outcome.length() > 80 ? outcome.substring(0, 80) : outcome);
	}

	private static QueueDefinition queue(String onEnqueue, String onFailure) {
		return new QueueDefinition("q", null, Duration.ofSeconds(30), 1, true, RETRY, onEnqueue, onFailure);
	}

	private static LeasedMessage message(Map<String, String> headers) {
		return new LeasedMessage("id", "q", headers, "x".getBytes(), "default", 1, List.of(), 1, Instant.now(), "lease");
	}

	private static final Acknowledgement NO_ACKNOWLEDGEMENT = new Acknowledgement() {

		@Override
		public void ack() {
		}

		@Override
		public void nack(String error) {
		}

	};

}
