package dev.fila.lua;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.core.io.DefaultResourceLoader;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile {@code on_enqueue} hooks. Each must leave no trace, and the message must still be
 * enqueued with default scheduling and its original headers.
 */
class LuaSandboxEscapeTests {

	@TempDir
	Path tempDir;

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final LuaQueuePolicyFactory policies = new LuaQueuePolicyFactory(new DefaultResourceLoader(),
			new InMemoryRuntimeConfig(Map.of()),
			new LuaSettings(Duration.ofMillis(100), Duration.ofSeconds(1), 1000, Duration.ofSeconds(1)),
			LuaObserver.NONE);

	@AfterEach
	void close() {
		this.driver.close();
	}

	/** Enqueues one message through a queue with the given hook and returns it as delivered. */
	private LeasedMessage deliverThrough(String hook) throws Exception {
		String name = "escape-" + Math.abs(hook.hashCode());
		QueueDefinition definition = new QueueDefinition(name, null, Duration.ofSeconds(30), 1, true,
				RetryPolicy.DEFAULT, hook, null);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"),
				Map.of(name, definition), this.policies);
		FilaTemplate template = new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
		template.enqueue(name, Map.of("tenant", "acme"), "payload");
		List<LeasedMessage> delivered = this.driver.fetch(name, 10, Duration.ofSeconds(2));
		assertThat(delivered).hasSize(1);
		LeasedMessage message = delivered.get(0);
		assertThat(message.headers()).isEqualTo(Map.of("tenant", "acme"));
		assertThat(message.payload()).isEqualTo("payload".getBytes());
		return message;
	}

	private void assertDefaultScheduling(LeasedMessage message) {
		assertThat(new Scheduling(message.fairnessKey(), message.weight(), message.throttleKeys()))
			.isEqualTo(Scheduling.DEFAULT);
	}

	@Test
	void osExecuteIsNotAvailable() throws Exception {
		Path marker = this.tempDir.resolve("pwned");
		assertDefaultScheduling(deliverThrough(
				"function on_enqueue(msg) os.execute('touch " + marker + "') return { fairness_key = 'x' } end"));
		assertThat(marker).doesNotExist();
	}

	@Test
	void ioIsNotAvailable() throws Exception {
		Path marker = this.tempDir.resolve("written");
		assertDefaultScheduling(deliverThrough("function on_enqueue(msg) local f = io.open('" + marker
				+ "', 'w') f:write('x') f:close() return { fairness_key = 'x' } end"));
		assertThat(marker).doesNotExist();
	}

	@Test
	void luajavaIsNotAvailable() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local System = luajava.bindClass("java.lang.System")
				  System:exit(1)
				  return { fairness_key = "x" }
				end
				"""));
	}

	@Test
	void requireIsNotAvailable() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local os = require("os")
				  os.exit(1)
				  return { fairness_key = "x" }
				end
				"""));
	}

	@Test
	void binaryChunksCannotBeLoaded() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local chunk = load(string.dump(function() return { fairness_key = "x" } end))
				  return chunk()
				end
				"""));
	}

	@Test
	void debugIsNotAvailable() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  debug.sethook(function() end, "", 1)
				  return { fairness_key = "x" }
				end
				"""));
	}

	@Test
	void dofileLoadfileAndCollectgarbageAreNotAvailable() throws Exception {
		assertDefaultScheduling(deliverThrough(
				"function on_enqueue(msg) return { fairness_key = type(dofile) .. type(loadfile) .. type(collectgarbage) .. 'x' } end"
					.replace("'x'", "(dofile or loadfile or collectgarbage).x")));
	}

	@Test
	void infiniteLoopIsStopped() throws Exception {
		assertDefaultScheduling(deliverThrough("function on_enqueue(msg) while true do end end"));
	}

	@Test
	void infiniteLoopCannotCatchItsOwnTimeout() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  while true do pcall(function() while true do end end) end
				end
				"""));
	}

	@Test
	void memoryBombIsRefused() throws Exception {
		long before = Runtime.getRuntime().totalMemory();
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local s = string.rep("x", 1024 * 1024 * 1024)
				  return { fairness_key = s }
				end
				"""));
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local s = ("x"):rep(2 ^ 30)
				  return { fairness_key = s }
				end
				"""));
		assertThat(Runtime.getRuntime().totalMemory() - before).isLessThan(512L * 1024 * 1024);
	}

	@Test
	void unboundedRecursionIsStopped() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				local function dive(n) return 1 + dive(n + 1) end
				function on_enqueue(msg) return { fairness_key = tostring(dive(1)) } end
				"""));
	}

	@Test
	void sharedTablesCannotBeChanged() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  string.upper = function() return "evil" end
				  return { fairness_key = "x" }
				end
				"""));
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  getmetatable("").__index = { upper = function() return "evil" end }
				  return { fairness_key = "x" }
				end
				"""));
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  setmetatable(string, { __index = function() return "evil" end })
				  return { fairness_key = "x" }
				end
				"""));
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  rawset(math, "floor", function() return 0 end)
				  return { fairness_key = "x" }
				end
				"""));
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  table.sort(table, function() return true end)
				  return { fairness_key = "x" }
				end
				"""));
		// Nothing leaked into other sandboxes: the string library still works everywhere.
		LeasedMessage clean = deliverThrough(
				"function on_enqueue(msg) return { fairness_key = ('abc'):upper() .. string.lower('D') } end");
		assertThat(clean.fairnessKey()).isEqualTo("ABCd");
		assertThat(getClass().getName().toUpperCase()).isEqualTo("DEV.FILA.LUA.LUASANDBOXESCAPETESTS");
	}

	@Test
	void hookMutatingHeadersDoesNotChangeTheMessage() throws Exception {
		LeasedMessage message = deliverThrough("""
				function on_enqueue(msg)
				  msg.headers.tenant = "mallory"
				  msg.headers.injected = "yes"
				  return { fairness_key = msg.headers.tenant }
				end
				""");
		assertThat(message.fairnessKey()).isEqualTo("mallory");
		assertThat(message.headers()).isEqualTo(Map.of("tenant", "acme"));
	}

	@Test
	void aWeightTooSmallForRoundRobinArithmeticStillDeliversTheMessage() throws Exception {
		// 1e-320 is positive and finite, yet no number of rounds earns it a credit: held forever.
		assertDefaultScheduling(deliverThrough("function on_enqueue(msg) return { fairness_key = 'x', weight = 1e-320 } end"));
	}

	@Test
	void javaClassesAreUnreachable() throws Exception {
		assertDefaultScheduling(deliverThrough("""
				function on_enqueue(msg)
				  local s = ""
				  return { fairness_key = s.getClass and "java" or error("no java") }
				end
				"""));
		assertThat(Files.list(this.tempDir)).isEmpty();
	}

}
