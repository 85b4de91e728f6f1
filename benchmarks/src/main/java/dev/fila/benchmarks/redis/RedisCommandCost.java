package dev.fila.benchmarks.redis;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Where Redis time goes, per message: runs the benchmark's end-to-end throughput once for Fila
 * (10 keys, or {@code -Dfila.bench.cost-keys}) and once for the raw Lettuce reliable queue, each after a warm-up, with Redis's slow
 * log recording every command ({@code slowlog-log-slower-than 0}), then prints per command (and
 * per Fila script) the calls and the Redis microseconds per message. The slow log's durations
 * are the command's execution inside Redis, without network or parsing: what limits a shared
 * Redis. Redis 7 also logs the commands a script runs, each with its own time, which the
 * script's time includes: they are listed apart and left out of the total. The slow log
 * settings are put back afterwards.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.redis.RedisBenchmark --command-cost 20000}
 */
final class RedisCommandCost {

	/** Commands the Fila driver sends itself; any other in the Fila phase ran inside a script. */
	private static final List<String> TOP_LEVEL = List.of("hello", "subscribe", "unsubscribe", "ssubscribe",
			"sunsubscribe", "info", "ping", "client", "wait");

	private static final List<String> SCRIPTS = List.of("enqueue", "fetch", "ack", "nack", "extend", "release",
			"flow", "permits", "throttle", "stats", "peek", "purge", "redrive", "delete", "create", "expiry");

	/** Fairness keys of the Fila runs ({@code -Dfila.bench.cost-keys}, 10 by default). */
	private static final int KEYS = Integer.getInteger("fila.bench.cost-keys", 10);

	private final RedisBenchmark benchmark;

	private final RedisClient client;

	private final Map<String, String> scriptBySha = new HashMap<>();

	RedisCommandCost(RedisBenchmark benchmark, RedisClient client) {
		this.benchmark = benchmark;
		this.client = client;
		String common = resource("common.lua");
		for (String script : SCRIPTS) {
			// As RedisScripts.load: fetch and enqueue also hold the scheduler.
			String libraries = (script.equals("fetch") || script.equals("enqueue")) ? resource("schedule.lua") + "\n" : "";
			this.scriptBySha.put(sha1(common + "\n" + libraries + resource(script + ".lua")), script);
		}
	}

	void run(int messages) throws Exception {
		try (StatefulRedisConnection<String, String> connection = this.client.connect()) {
			RedisCommands<String, String> redis = connection.sync();
			String slower = redis.configGet("slowlog-log-slower-than").get("slowlog-log-slower-than");
			String maxLen = redis.configGet("slowlog-max-len").get("slowlog-max-len");
			try {
				redis.configSet("slowlog-max-len", "2000000");
				this.benchmark.filaThroughput(messages, KEYS);
				Map<String, long[]> fila = record(redis, () -> this.benchmark.filaThroughput(messages, KEYS));
				this.benchmark.rawThroughput(messages);
				Map<String, long[]> raw = record(redis, () -> this.benchmark.rawThroughput(messages));
				System.out.printf("Redis time per message, %,d messages, %,d keys, 4 consumers, prefetch 10, batches of 100%n%n",
						messages, KEYS);
				print("Fila Redis driver", fila, messages);
				print("raw Lettuce reliable queue", raw, messages);
				// The slow log costs Redis time per logged command: the CPU per message without it.
				StringBuilder filaCpu = new StringBuilder();
				StringBuilder rawCpu = new StringBuilder();
				for (int round = 0; round < 3; round++) {
					filaCpu.append(cpuMicros(redis, () -> this.benchmark.filaThroughput(messages, KEYS), messages));
					rawCpu.append(cpuMicros(redis, () -> this.benchmark.rawThroughput(messages), messages));
				}
				System.out.printf("CPU per message (µs, user + system, slow log off, 3 rounds each, Redis / this JVM):"
						+ " Fila%s; raw%s%n", filaCpu, rawCpu);
			}
			finally {
				redis.configSet("slowlog-log-slower-than", slower);
				redis.configSet("slowlog-max-len", maxLen);
				redis.slowlogReset();
			}
		}
	}

	/**
	 * Runs a phase; returns the CPU time Redis and this JVM (every thread: the application's side
	 * of the queue, Lettuce's event loops, the JIT and the GC) used meanwhile, in microseconds per
	 * message, as " redis / jvm".
	 */
	private static String cpuMicros(RedisCommands<String, String> redis, Phase phase, int messages) throws Exception {
		double before = cpuSeconds(redis);
		long jvmBefore = jvmCpuNanos();
		phase.run();
		double redisMicros = (cpuSeconds(redis) - before) * 1e6 / messages;
		double jvmMicros = (jvmCpuNanos() - jvmBefore) / 1e3 / messages;
		return String.format(Locale.ROOT, " %.1f / %.1f", redisMicros, jvmMicros);
	}

	private static long jvmCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	private static double cpuSeconds(RedisCommands<String, String> redis) {
		double seconds = 0;
		for (String line : redis.info("cpu").split("\\r?\\n")) {
			if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
				seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
			}
		}
		return seconds;
	}

	/** Runs a phase with every command logged; returns calls and total microseconds by command. */
	private Map<String, long[]> record(RedisCommands<String, String> redis, Phase phase) throws Exception {
		redis.slowlogReset();
		redis.configSet("slowlog-log-slower-than", "0");
		phase.run();
		redis.configSet("slowlog-log-slower-than", "-1");
		Map<String, long[]> costs = new TreeMap<>();
		for (Object item : redis.slowlogGet(Integer.MAX_VALUE)) {
			List<?> entry = (List<?>) item;
			long micros = ((Number) entry.get(2)).longValue();
			List<?> args = (List<?>) entry.get(3);
			String command = args.get(0).toString().toLowerCase();
			if (command.equals("config") || command.equals("slowlog")) {
				continue;
			}
			if (command.equals("evalsha") && args.size() > 1) {
				command = "evalsha " + this.scriptBySha.getOrDefault(args.get(1).toString(), "?");
			}
			long[] cost = costs.computeIfAbsent(command, (name) -> new long[2]);
			cost[0]++;
			cost[1] += micros;
		}
		return costs;
	}

	private static void print(String title, Map<String, long[]> costs, int messages) {
		System.out.println("**" + title + "**");
		System.out.println();
		System.out.println("| command | calls | calls per message | Redis µs per message | µs per call |");
		System.out.println("|---|---|---|---|---|");
		boolean scripted = costs.keySet().stream().anyMatch((command) -> command.startsWith("evalsha"));
		long calls = 0;
		long micros = 0;
		for (Map.Entry<String, long[]> cost : costs.entrySet()) {
			long[] c = cost.getValue();
			String command = cost.getKey();
			boolean inScript = scripted && !command.startsWith("evalsha") && !TOP_LEVEL.contains(command);
			if (!inScript) {
				calls += c[0];
				micros += c[1];
			}
			System.out.printf("| %s%s | %,d | %.3f | %.2f | %.1f |%n", command, inScript ? " (in scripts)" : "", c[0],
					(double) c[0] / messages, (double) c[1] / messages, (double) c[1] / c[0]);
		}
		System.out.printf("| **total** | %,d | %.3f | %.2f | |%n%n", calls, (double) calls / messages,
				(double) micros / messages);
	}

	private static String resource(String file) {
		try (InputStream in = RedisCommandCost.class.getClassLoader()
			.getResourceAsStream("dev/fila/driver/redis/" + file)) {
			if (in == null) {
				throw new IllegalStateException("Missing " + file);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String sha1(String text) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@FunctionalInterface
	interface Phase {

		void run() throws Exception;

	}

}
