package dev.fila.lua;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.DefaultResourceLoader;

import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.FilaConfigurationException;
import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class LuaHooksTests {

	private final InMemoryRuntimeConfig config = new InMemoryRuntimeConfig(Map.of("weight.acme", "5"));

	private final List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();

	private final LuaQueuePolicyFactory factory = new LuaQueuePolicyFactory(new DefaultResourceLoader(), this.config,
			new LuaSettings(Duration.ofMillis(50), Duration.ofSeconds(1), 3, Duration.ofSeconds(10)),
			(hook, outcome) -> this.outcomes.add(hook + ":" + outcome));

	private static QueueDefinition queue(String onEnqueue, String onFailure) {
		return new QueueDefinition("q", null, Duration.ofSeconds(30), 1, true,
				new RetryPolicy(3, Duration.ofMillis(100), 2, Duration.ofSeconds(1)), onEnqueue, onFailure);
	}

	private Scheduling enqueue(String script, Map<String, String> headers) {
		EnqueuePolicy policy = this.factory.enqueuePolicy(queue(script, null));
		return policy.schedule(new EnqueueContext("q", headers, 42));
	}

	@Test
	void seedHookAssignsTheFairnessKeyFromAHeader() {
		String seed = "function on_enqueue(msg) return { fairness_key = msg.headers[\"type\"] or \"default\" } end";
		assertThat(enqueue(seed, Map.of("type", "sms"))).isEqualTo(new Scheduling("sms", 1, List.of()));
		assertThat(enqueue(seed, Map.of())).isEqualTo(Scheduling.DEFAULT);
	}

	@Test
	void everyFieldCanBeSet() {
		String script = """
				function on_enqueue(msg)
				  return { fairness_key = msg.queue .. ":" .. msg.payload_size, weight = 2.5,
				           throttle_keys = { "provider-a", "global" } }
				end
				""";
		assertThat(enqueue(script, Map.of())).isEqualTo(new Scheduling("q:42", 2.5, List.of("provider-a", "global")));
	}

	@Test
	void missingFieldsAndNilResultsGetTheDefaults() {
		assertThat(enqueue("function on_enqueue(msg) return {} end", Map.of())).isEqualTo(Scheduling.DEFAULT);
		assertThat(enqueue("function on_enqueue(msg) return nil end", Map.of())).isEqualTo(Scheduling.DEFAULT);
		assertThat(enqueue("function on_enqueue(msg) return { weight = 3 } end", Map.of()))
			.isEqualTo(new Scheduling("default", 3, List.of()));
		assertThat(this.outcomes).containsOnly("on_enqueue:success");
	}

	@Test
	void malformedResultsFallBackToTheDefaults() {
		assertThat(enqueue("function on_enqueue(msg) return 'oops' end", Map.of())).isEqualTo(Scheduling.DEFAULT);
		assertThat(enqueue("function on_enqueue(msg) return { weight = -1 } end", Map.of()))
			.isEqualTo(Scheduling.DEFAULT);
		assertThat(enqueue("function on_enqueue(msg) return { fairness_key = {} } end", Map.of()))
			.isEqualTo(Scheduling.DEFAULT);
		assertThat(this.outcomes).containsOnly("on_enqueue:error");
	}

	@Test
	void theHookMayOverrideTheProducersPriorityOrKeepIt() {
		Map<String, String> urgent = Map.of("fila-priority", "7", "tenant", "acme");
		assertThat(enqueue("function on_enqueue(msg) return { fairness_key = msg.headers.tenant } end", urgent))
			.isEqualTo(new Scheduling("acme", 1, List.of(), 7));
		assertThat(enqueue("function on_enqueue(msg) return { priority = 2 } end", urgent).priority()).isEqualTo(2);
		assertThat(enqueue("function on_enqueue(msg) return { priority = 9 } end", Map.of()).priority()).isEqualTo(9);
		assertThat(enqueue("function on_enqueue(msg) return nil end", urgent).priority()).isEqualTo(7);
		assertThat(enqueue("function on_enqueue(msg) return { priority = tonumber(msg.headers['fila-priority']) + 1 } end",
				urgent).priority()).isEqualTo(8);
		assertThat(this.outcomes).containsOnly("on_enqueue:success");
	}

	@Test
	void anAbsurdPriorityFromTheHookFallsBackToTheDefaultsAndKeepsTheProducersPriority() {
		Map<String, String> urgent = Map.of("fila-priority", "6");
		for (String priority : new String[] { "10", "-1", "2.5", "0/0", "1/0", "'high'", "{}", "2^63" }) {
			assertThat(enqueue("function on_enqueue(msg) return { fairness_key = 'k', priority = " + priority + " } end",
					urgent))
				.as("priority = %s", priority)
				.isEqualTo(Scheduling.DEFAULT.withPriority(6));
		}
		assertThat(this.outcomes).containsOnly("on_enqueue:error");
	}

	@Test
	void aWeightOutsideTheOverrideRangeFallsBackToTheDefaults() {
		for (String weight : new String[] { "1e-320", "1e-7", "1e7", "2^1023", "'1e-320'" }) {
			assertThat(enqueue("function on_enqueue(msg) return { fairness_key = 'k', weight = " + weight + " } end",
					Map.of()))
				.as("weight = %s", weight)
				.isEqualTo(Scheduling.DEFAULT);
		}
		assertThat(this.outcomes).containsOnly("on_enqueue:error");
		assertThat(enqueue("function on_enqueue(msg) return { fairness_key = 'k', weight = 1e-6 } end", Map.of()))
			.isEqualTo(new Scheduling("k", 1e-6, List.of()));
		assertThat(enqueue("function on_enqueue(msg) return { fairness_key = 'k', weight = 1e6 } end", Map.of()))
			.isEqualTo(new Scheduling("k", 1e6, List.of()));
	}

	@Test
	void aSandboxLoadedAgainDoesNotRunMetamethodsToFindTheHook() {
		// Once on_enqueue failed, the next call loads a fresh sandbox: its chunk may now define
		// no hook and give _G an __index that never returns.
		EnqueuePolicy policy = this.factory.enqueuePolicy(queue("""
				if fila.get("trap") then
				  setmetatable(_G, { __index = function() while true do end end })
				else
				  function on_enqueue(msg) error("once") end
				end
				""", null));
		EnqueueContext context = new EnqueueContext("q", Map.of(), 0);
		assertThat(policy.schedule(context)).isEqualTo(Scheduling.DEFAULT);
		this.config.set("trap", "set");
		try {
			assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), () -> policy.schedule(context)))
				.isEqualTo(Scheduling.DEFAULT);
		}
		finally {
			this.config.set("trap", null);
		}
		assertThat(this.outcomes).containsOnly("on_enqueue:error");
	}

	@Test
	void aFailingHookKeepsTheProducersPriority() {
		assertThat(enqueue("function on_enqueue(msg) error('boom') end", Map.of("fila-priority", "3")))
			.isEqualTo(Scheduling.DEFAULT.withPriority(3));
	}

	@Test
	void runtimeConfigIsReadLiveWithFilaGet() {
		EnqueuePolicy policy = this.factory.enqueuePolicy(queue("""
				function on_enqueue(msg)
				  local tenant = msg.headers.tenant
				  return { fairness_key = tenant, weight = tonumber(fila.get("weight." .. tenant) or "1") }
				end
				""", null));
		EnqueueContext acme = new EnqueueContext("q", Map.of("tenant", "acme"), 1);
		assertThat(policy.schedule(acme).weight()).isEqualTo(5);
		this.config.set("weight.acme", "8");
		assertThat(policy.schedule(acme).weight()).isEqualTo(8);
		this.config.set("weight.acme", null);
		assertThat(policy.schedule(acme).weight()).isEqualTo(1);
	}

	@Test
	void failureHookDecidesRetryOrDeadLetter() {
		FailurePolicy policy = this.factory.failurePolicy(queue(null, """
				function on_failure(msg)
				  if msg.attempts >= 3 or msg.error == "fatal" then return { action = "dlq" } end
				  return { action = "retry", delay_ms = 100 * 2 ^ msg.attempts }
				end
				"""));
		assertThat(policy.onFailure(new FailureContext("q", "id", 1, Map.of(), "boom")))
			.isEqualTo(FailureDecision.retry(Duration.ofMillis(200)));
		assertThat(policy.onFailure(new FailureContext("q", "id", 2, Map.of(), "boom")))
			.isEqualTo(FailureDecision.retry(Duration.ofMillis(400)));
		assertThat(policy.onFailure(new FailureContext("q", "id", 3, Map.of(), "boom")))
			.isEqualTo(FailureDecision.deadLetter());
		assertThat(policy.onFailure(new FailureContext("q", "id", 1, Map.of(), "fatal")))
			.isEqualTo(FailureDecision.deadLetter());
	}

	@Test
	void failingFailureHookFallsBackToTheRetrySettings() {
		FailurePolicy policy = this.factory.failurePolicy(queue(null, "function on_failure(msg) error('bug') end"));
		assertThat(policy.onFailure(new FailureContext("q", "id", 1, Map.of(), "boom")))
			.isEqualTo(FailureDecision.retry(Duration.ofMillis(100)));
		assertThat(policy.onFailure(new FailureContext("q", "id", 3, Map.of(), "boom")))
			.isEqualTo(FailureDecision.deadLetter());
		FailurePolicy invalid = this.factory.failurePolicy(queue(null, "function on_failure(msg) return { action = 'later' } end"));
		assertThat(invalid.onFailure(new FailureContext("q", "id", 1, Map.of(), "boom")))
			.isEqualTo(FailureDecision.retry(Duration.ofMillis(100)));
	}

	@Test
	void slowHookIsStoppedAndTheMessageGetsTheDefaults() {
		long start = System.nanoTime();
		assertThat(enqueue("function on_enqueue(msg) while true do end end", Map.of())).isEqualTo(Scheduling.DEFAULT);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(this.outcomes).containsExactly("on_enqueue:timeout");
	}

	@Test
	void circuitBreakerOpensAfterConsecutiveFailuresAndClosesAfterTheCooldown() {
		AtomicLong now = new AtomicLong();
		LuaScript script = LuaScript.compile("""
				function on_enqueue(msg)
				  if fila.get("broken") == "yes" then error("broken") end
				  return { fairness_key = "hooked" }
				end
				""", "test", new DefaultResourceLoader());
		LuaHook hook = new LuaHook("q", "on_enqueue", "test", script, this.config,
				new LuaSettings(Duration.ofMillis(50), Duration.ofSeconds(1), 3, Duration.ofSeconds(10)),
				(name, outcome) -> this.outcomes.add(outcome), now::get);
		LuaEnqueuePolicy policy = new LuaEnqueuePolicy(hook);
		EnqueueContext context = new EnqueueContext("q", Map.of(), 0);
		this.config.set("broken", "yes");
		for (int i = 0; i < 3; i++) {
			assertThat(policy.schedule(context)).isEqualTo(Scheduling.DEFAULT);
		}
		assertThat(hook.isBypassed()).isTrue();
		this.config.set("broken", "no");
		assertThat(policy.schedule(context).fairnessKey()).as("bypassed while open").isEqualTo("default");
		now.addAndGet(Duration.ofSeconds(11).toNanos());
		assertThat(policy.schedule(context).fairnessKey()).as("closed after the cooldown").isEqualTo("hooked");
		assertThat(hook.isBypassed()).isFalse();
		assertThat(this.outcomes).containsExactly("error", "error", "error", "bypassed", "success");
	}

	@Test
	void successResetsTheFailureCount() {
		AtomicLong now = new AtomicLong();
		LuaScript script = LuaScript.compile(
				"function on_enqueue(msg) if msg.headers.fail then error('x') end return {} end", "test",
				new DefaultResourceLoader());
		LuaHook hook = new LuaHook("q", "on_enqueue", "test", script, this.config,
				new LuaSettings(Duration.ofMillis(50), Duration.ofSeconds(1), 2, Duration.ofSeconds(10)),
				LuaObserver.NONE, now::get);
		LuaEnqueuePolicy policy = new LuaEnqueuePolicy(hook);
		policy.schedule(new EnqueueContext("q", Map.of("fail", "1"), 0));
		policy.schedule(new EnqueueContext("q", Map.of(), 0));
		policy.schedule(new EnqueueContext("q", Map.of("fail", "1"), 0));
		assertThat(hook.isBypassed()).isFalse();
	}

	@Test
	void hooksRunOnManyThreadsAtOnce() throws Exception {
		// A generous limit: 8 threads share 2 cores here, and the limit is wall-clock time.
		LuaQueuePolicyFactory relaxed = new LuaQueuePolicyFactory(new DefaultResourceLoader(), this.config,
				new LuaSettings(Duration.ofSeconds(2), Duration.ofSeconds(2), 3, Duration.ofSeconds(10)), LuaObserver.NONE);
		EnqueuePolicy policy = relaxed.enqueuePolicy(queue("""
				local calls = 0
				function on_enqueue(msg)
				  calls = calls + 1
				  return { fairness_key = msg.headers.tenant, weight = tonumber(msg.headers.n) }
				end
				""", null));
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Callable<Boolean>> tasks = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				String tenant = "tenant-" + t;
				tasks.add(() -> {
					for (int i = 1; i <= 2000; i++) {
						Scheduling scheduling = policy.schedule(
								new EnqueueContext("q", Map.of("tenant", tenant, "n", Integer.toString(i)), 0));
						if (!scheduling.fairnessKey().equals(tenant) || scheduling.weight() != i) {
							return false;
						}
					}
					return true;
				});
			}
			for (Future<Boolean> result : pool.invokeAll(tasks)) {
				assertThat(result.get()).isTrue();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void hooksFromResources() {
		assertThat(enqueue("classpath:lua/tenant-enqueue.lua", Map.of("tenant", "beta")).fairnessKey())
			.isEqualTo("beta");
	}

	@Test
	void scriptThatDoesNotCompileFailsWithTheLine() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> this.factory.enqueuePolicy(queue("function on_enqueue(msg)\n  return {\nend", null)))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fila.queues.q.on-enqueue");
				assertThat(ex.getValue()).isEqualTo("(inline script)");
				assertThat(ex.getMessage()).contains(":3:");
			});
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> this.factory.enqueuePolicy(queue("classpath:lua/broken.lua", null)))
			.satisfies((ex) -> {
				assertThat(ex.getValue()).isEqualTo("classpath:lua/broken.lua");
				assertThat(ex.getMessage()).contains("classpath:lua/broken.lua:3:");
			});
	}

	@Test
	void missingResourceFails() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> this.factory.failurePolicy(queue(null, "classpath:lua/missing.lua")))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fila.queues.q.on-failure");
				assertThat(ex.getValue()).isEqualTo("classpath:lua/missing.lua");
				assertThat(ex.getAllowed()).contains("existing");
			});
	}

	@Test
	void scriptWithoutTheHookFunctionFails() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> this.factory.enqueuePolicy(queue("local x = 1", null)))
			.withMessageContaining("does not define function on_enqueue");
	}

	@Test
	void hooksAreWarmedUpAtStartWithoutCountingOrLogging() {
		String counting = "function on_enqueue(msg) n = (n or 0) + 1 return { fairness_key = tostring(n) } end";
		// Same thread as the compilation: its sandbox ran the warm-up calls.
		assertThat(enqueue(counting, Map.of()).fairnessKey()).isEqualTo(Integer.toString(LuaHook.WARM_UP_CALLS + 1));
		assertThat(this.outcomes).containsExactly("on_enqueue:success");
		LuaHookRegistry registry = new LuaHookRegistry();
		LuaQueuePolicyFactory factory = new LuaQueuePolicyFactory(new DefaultResourceLoader(), this.config,
				new LuaSettings(Duration.ofMillis(50), Duration.ofSeconds(1), 3, Duration.ofSeconds(10)),
				LuaObserver.NONE, registry);
		// The sample has no headers: a hook that needs one fails the warm-up, which counts nothing.
		factory.enqueuePolicy(queue("function on_enqueue(msg) return { fairness_key = msg.headers.tenant:upper() } end",
				null));
		assertThat(registry.states()).singleElement().satisfies((state) -> {
			assertThat(state.errors()).isZero();
			assertThat(state.circuitBreakerOpen()).isFalse();
		});
	}

	@Test
	void aHookFailingOnEveryMessageLogsFiveLinesAWindowAndCountsEveryFailure() {
		ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
			.getLogger(LuaHook.class);
		ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
				new ch.qos.logback.core.read.ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		try {
			LuaHookRegistry registry = new LuaHookRegistry();
			LuaQueuePolicyFactory factory = new LuaQueuePolicyFactory(new DefaultResourceLoader(), this.config,
					new LuaSettings(Duration.ofMillis(50), Duration.ofSeconds(1), 1000, Duration.ofSeconds(10)),
					LuaObserver.NONE, registry);
			EnqueuePolicy policy = factory.enqueuePolicy(queue("function on_enqueue(msg) error('boom') end", null));
			for (int i = 0; i < 20; i++) {
				assertThat(policy.schedule(new EnqueueContext("q", Map.of(), 1))).isEqualTo(Scheduling.DEFAULT);
			}
			assertThat(appender.list).hasSize(5)
				.allSatisfy((event) -> assertThat(event.getFormattedMessage())
					.startsWith("Lua on_enqueue hook of queue 'q' failed, using defaults: ")
					.contains("boom"));
			assertThat(registry.states()).singleElement().satisfies((state) -> {
				assertThat(state.errors()).isEqualTo(20);
				assertThat(state.lastError()).contains("boom");
				assertThat(state.lastErrorAt()).isNotNull();
			});
		}
		finally {
			logger.detachAppender(appender);
		}
	}

}
