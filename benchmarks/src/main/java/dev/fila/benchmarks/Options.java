package dev.fila.benchmarks;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Command-line options: {@code --name=value}. Defaults keep a full run to about two minutes on
 * two cores; {@code --quick} is a smoke run of a few seconds.
 */
final class Options {

	static final List<String> PARTS = List.of("throughput", "latency", "micro");

	int warmupRounds = 2;

	int rounds = 5;

	int messages = 1_000_000;

	/** Most messages enqueued but not yet handled before the producer waits; 0 for no bound. */
	int maxBacklog;

	int batchSize = 100;

	int latencyRate = 1_000;

	int latencyWarmupSeconds = 20;

	int latencySeconds = 10;

	int baselineMessages = 5_000_000;

	int microMessages = 200_000;

	Set<String> scenarios = new LinkedHashSet<>();

	int roundTimeoutSeconds = 120;

	Set<String> parts = new LinkedHashSet<>(PARTS);

	/** {@code --fila.*}, {@code --spring.*}, {@code --logging.*} and {@code --management.*} arguments, passed to the Spring application. */
	List<String> springArgs = new java.util.ArrayList<>();

	Path report = Path.of("benchmarks", "target", "benchmark-results.md");

	/** Where to write the throughput medians as tab-separated values, or {@code null}. */
	Path tsv;

	/** Meters and observations on or off in the benchmark application. */
	Operations operations = Operations.NONE;

	static Options parse(String[] args) {
		Options options = new Options();
		for (String arg : args) {
			if (arg.equals("--quick")) {
				options.warmupRounds = 1;
				options.rounds = 2;
				options.messages = 20_000;
				options.latencyWarmupSeconds = 1;
				options.latencySeconds = 2;
				options.baselineMessages = 500_000;
				options.microMessages = 20_000;
				continue;
			}
			if (arg.equals("--help") || arg.equals("-h")) {
				System.out.println(usage());
				System.exit(0);
			}
			if (arg.startsWith("--fila.") || arg.startsWith("--spring.") || arg.startsWith("--logging.")
					|| arg.startsWith("--management.")) {
				options.springArgs.add(arg);
				continue;
			}
			int eq = arg.indexOf('=');
			if (!arg.startsWith("--") || eq < 0) {
				throw new IllegalArgumentException("Unknown argument '" + arg + "'\n" + usage());
			}
			String name = arg.substring(2, eq);
			String value = arg.substring(eq + 1);
			switch (name) {
				case "warmup" -> options.warmupRounds = Integer.parseInt(value);
				case "rounds" -> options.rounds = Integer.parseInt(value);
				case "messages" -> options.messages = Integer.parseInt(value);
				case "batch" -> options.batchSize = Integer.parseInt(value);
				case "max-backlog" -> options.maxBacklog = Integer.parseInt(value);
				case "latency-rate" -> options.latencyRate = Integer.parseInt(value);
				case "latency-warmup" -> options.latencyWarmupSeconds = Integer.parseInt(value);
				case "latency-seconds" -> options.latencySeconds = Integer.parseInt(value);
				case "baseline-messages" -> options.baselineMessages = Integer.parseInt(value);
				case "micro-messages" -> options.microMessages = Integer.parseInt(value);
				case "scenarios" -> options.scenarios = new LinkedHashSet<>(List.of(value.split(",")));
				case "round-timeout" -> options.roundTimeoutSeconds = Integer.parseInt(value);
				case "report" -> options.report = Path.of(value);
				case "operations" -> options.operations = Operations.of(value);
				case "tsv" -> options.tsv = Path.of(value);
				case "only" -> {
					options.parts = new LinkedHashSet<>(List.of(value.split(",")));
					if (!PARTS.containsAll(options.parts)) {
						throw new IllegalArgumentException("--only takes " + PARTS + ", was " + value);
					}
				}
				default -> throw new IllegalArgumentException("Unknown option '--" + name + "'\n" + usage());
			}
		}
		if (options.rounds < 1 || options.messages < 1 || options.batchSize < 1) {
			throw new IllegalArgumentException("rounds, messages and batch must be positive");
		}
		return options;
	}

	static String usage() {
		return """
				Usage: java -jar benchmarks/target/fila-benchmarks.jar [options]
				  --quick                 smoke run: few messages, 2 rounds, 2 s of latency
				  --only=PARTS            comma-separated subset of throughput,latency,micro (default: all)
				  --warmup=N              warm-up rounds per throughput scenario (default 2)
				  --rounds=N              measured rounds per throughput scenario; the median is reported (default 5)
				  --messages=N            messages per Fila throughput round (default 1000000: shorter rounds end while
				                          the JIT is still compiling on 2 cores)
				  --max-backlog=N         the producer waits while N messages are enqueued but not handled, as the
				                          baseline's bounded queue makes it (default 0: no bound, it runs ahead)
				  --baseline-messages=N   messages per baseline round (default 5000000: the baseline is ~100x faster)
				  --scenarios=IDS         comma-separated subset of the throughput scenarios, e.g. fila-batch-10 (default: all)
				  --batch=N               enqueueAll batch size (default 100)
				  --latency-rate=N        paced probes per second (default 1000)
				  --latency-warmup=S      seconds of probes before measuring (default 20)
				  --latency-seconds=S     seconds of measured probes (default 10)
				  --micro-messages=N      messages per driver micro-benchmark round (default 200000)
				  --round-timeout=S       give up on a round after S seconds (default 120)
				  --fila.*=V, --spring.*=V, --logging.*=V, --management.*=V   Spring Boot properties for the benchmark application,
				                          e.g. --fila.queues.bench-throughput.visibility-timeout=2s
				  --operations=MODE       Fila's meters and observations in the benchmark application: none (as without
				                          the actuator, the default), meters (observations off), all (the actuator's defaults)
				  --tsv=FILE              also write the throughput medians as tab-separated values (for OperationsOverhead)
				  --report=FILE           also write the results as Markdown (default benchmarks/target/benchmark-results.md)
				""";
	}

}
