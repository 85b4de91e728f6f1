package dev.fila.benchmarks.lua;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.core.io.DefaultResourceLoader;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.lua.LuaObserver;
import dev.fila.lua.LuaQueuePolicyFactory;
import dev.fila.lua.LuaSettings;
import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-message cost of the seed {@code on_enqueue} hook against no hook: the hook call alone
 * (policy), and a whole {@code FilaTemplate.enqueue} on the memory driver, with 1 and 4
 * producer threads. Prints a Markdown table.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.lua.LuaHookBenchmark}
 */
public final class LuaHookBenchmark {

	static final String SEED = "function on_enqueue(msg) return { fairness_key = msg.headers[\"type\"] or \"default\" } end";

	private static final Map<String, String> HEADERS = Map.of("type", "sms", "tenant", "acme");

	private static final int ROUNDS = 5;

	private static final int CPUS = Runtime.getRuntime().availableProcessors();

	private static final long WARMUP_NANOS = Duration.ofSeconds(3).toNanos();

	private static final long ROUND_NANOS = Duration.ofSeconds(2).toNanos();

	private LuaHookBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		LuaQueuePolicyFactory lua = new LuaQueuePolicyFactory(new DefaultResourceLoader(),
				new InMemoryRuntimeConfig(Map.of()), LuaSettings.DEFAULTS, LuaObserver.NONE);
		EnqueuePolicy hook = lua.enqueuePolicy(definition("hooked", SEED));
				EnqueueContext context = new EnqueueContext("q", HEADERS, 256);

		MemoryDriver driver = new MemoryDriver("memory");
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", driver), "memory"),
				Map.of("hooked", definition("hooked", SEED), "plain", definition("plain", null)), lua);
		queues.createDeclaredQueues();
		FilaTemplate template = new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
		byte[] payload = new byte[256];

		System.out.println("| measure | producer threads | no hook | seed hook | hook cost per message |");
		System.out.println("|---|---|---|---|---|");
		for (int threads : new int[] { 1, 4 }) {
			double hooked = opsPerSecond(threads, () -> hook.schedule(context));
			System.out.printf(Locale.ROOT, "| on_enqueue call alone (calls/s) | %d | - | %,.0f | %.2f µs of CPU per call |%n",
					threads, hooked, Math.min(threads, CPUS) * 1e6 / hooked);
		}
		for (int threads : new int[] { 1, 4 }) {
			double plain = opsPerSecond(threads, () -> template.enqueue("plain", HEADERS, payload), () -> drain(driver));
			double hooked = opsPerSecond(threads, () -> template.enqueue("hooked", HEADERS, payload),
					() -> drain(driver));
			row("FilaTemplate.enqueue, memory driver (msg/s)", threads, plain, hooked);
		}
		System.exit(0);
	}

	private static QueueDefinition definition(String name, String onEnqueue) {
		return new QueueDefinition(name, null, Duration.ofSeconds(30), 1, false, RetryPolicy.DEFAULT, onEnqueue, null);
	}

	private static void drain(MemoryDriver driver) {
		driver.purge("plain");
		driver.purge("hooked");
	}

	private static void row(String measure, int threads, double plain, double hooked) {
		// CPU time per message: busy cores / rate (threads beyond the core count add no CPU).
		int busy = Math.min(threads, CPUS);
		double costNanos = (busy * 1e9 / hooked) - (busy * 1e9 / plain);
		System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %.2f µs (%.0f%% of no-hook throughput kept) |%n",
				measure, threads, plain, hooked, costNanos / 1000, hooked * 100 / plain);
	}

	private static double opsPerSecond(int threads, Runnable operation) throws InterruptedException {
		return opsPerSecond(threads, operation, () -> {
		});
	}

	/** Warms up, then runs {@value #ROUNDS} timed rounds and returns the median rate. */
	private static double opsPerSecond(int threads, Runnable operation, Runnable betweenRounds)
			throws InterruptedException {
		run(threads, operation, WARMUP_NANOS);
		betweenRounds.run();
		List<Double> rates = new ArrayList<>();
		for (int round = 0; round < ROUNDS; round++) {
			long start = System.nanoTime();
			long ops = run(threads, operation, ROUND_NANOS);
			rates.add(ops * 1e9 / (System.nanoTime() - start));
			betweenRounds.run();
		}
		rates.sort(Double::compare);
		return rates.get(rates.size() / 2);
	}

	private static long run(int threads, Runnable operation, long nanos) throws InterruptedException {
		LongAdder ops = new LongAdder();
		CountDownLatch done = new CountDownLatch(threads);
		long end = System.nanoTime() + nanos;
		for (int t = 0; t < threads; t++) {
			Thread worker = new Thread(() -> {
				long count = 0;
				while (System.nanoTime() < end) {
					for (int i = 0; i < 256; i++) {
						operation.run();
					}
					count += 256;
				}
				ops.add(count);
				done.countDown();
			});
			worker.start();
		}
		done.await();
		return ops.sum();
	}

}
