package dev.fila.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.fila.core.QueueStats;

/**
 * Runs every Fila benchmark in one JVM and prints a Markdown report: end-to-end throughput on
 * the memory driver against an {@code ArrayBlockingQueue} baseline, DRR overhead and key
 * scaling, paced enqueue-to-handler latency, and a driver-only micro-benchmark.
 * <p>
 * {@code java -jar benchmarks/target/fila-benchmarks.jar [--quick] [--help]}
 */
public final class FilaBenchmarks {

	private static final int KEYS = 10;

	private static final int CONCURRENCY = 4;

	private static final int BASELINE_CAPACITY = 10_000;

	/** A throughput scenario: who runs it, with how many keys, batched or not. */
	private record Scenario(String id, String label, boolean fila, int keys, boolean batch) {
	}

	private final Options options;

	private StringBuilder report = new StringBuilder();

	private List<DriverMicro.Row> microRows = List.of();

	private FilaBenchmarks(Options options) {
		this.options = options;
	}

	public static void main(String[] args) throws Exception {
		Options options = Options.parse(args);
		new FilaBenchmarks(options).run();
		System.exit(0);
	}

	private void run() throws Exception {
		line("# Fila benchmark results");
		line("");
		line("Load average before the run: " + loadAverage() + " (other processes on the machine skew results).");
		line("");
		line("Run " + OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS) + " on "
				+ Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("java.vm.name") + " "
				+ System.getProperty("java.runtime.version") + ", max heap "
				+ Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, JVM flags "
				+ ManagementFactory.getRuntimeMXBean().getInputArguments()
				+ (this.options.springArgs.isEmpty() ? "" : ", application arguments " + this.options.springArgs) + ".");
		line("");
		Map<String, Double> headline = new LinkedHashMap<>();
		boolean needsFila = this.options.parts.contains("throughput") || this.options.parts.contains("latency");
		if (needsFila) {
			progress("Starting the Spring Boot context and the baseline workers");
			try (Baseline baseline = new Baseline(BASELINE_CAPACITY, CONCURRENCY); FilaEndToEnd fila = new FilaEndToEnd(this.options.operations, this.options.springArgs)) {
				line("Operations: `" + this.options.operations.id() + "` (" + fila.operationsSummary() + ").");
				line("");
				// Latency first, on a quiet application: the throughput rounds leave hundreds of MiB
				// of acked leases on the heap for 30 s (see docs/benchmarks.md), which is not what
				// an application pacing 1,000 msg/s has. The report still lists throughput first.
				StringBuilder latencySection = new StringBuilder();
				if (this.options.parts.contains("latency")) {
					StringBuilder before = this.report;
					this.report = latencySection;
					latency(baseline, fila, headline);
					this.report = before;
				}
				if (this.options.parts.contains("throughput")) {
					throughput(baseline, fila, headline);
				}
				this.report.append(latencySection);
			}
		}
		if (this.options.parts.contains("micro")) {
			micro();
		}
		targets(headline);
		System.out.println();
		System.out.println(this.report);
		writeReport();
	}

	private void throughput(Baseline baseline, FilaEndToEnd fila, Map<String, Double> headline) throws Exception {
		List<Scenario> scenarios = List.of(
				new Scenario("baseline", "Baseline: ArrayBlockingQueue(10,000), 1 producer, 4 workers", false, KEYS, false),
				new Scenario("fila-batch-10", "Fila, enqueueAll(" + this.options.batchSize + "), 10 keys", true, KEYS, true),
				new Scenario("fila-single-10", "Fila, enqueue (one call per message), 10 keys", true, KEYS, false),
				new Scenario("fila-batch-1", "Fila, enqueueAll(" + this.options.batchSize + "), 1 key", true, 1, true),
				new Scenario("fila-batch-10000", "Fila, enqueueAll(" + this.options.batchSize + "), 10,000 keys", true,
						10_000, true),
				new Scenario("fila-batch-100000", "Fila, enqueueAll(" + this.options.batchSize + "), 100,000 keys", true,
						100_000, true));
		if (!this.options.scenarios.isEmpty()) {
			scenarios = scenarios.stream().filter((s) -> this.options.scenarios.contains(s.id())).toList();
		}
		int rounds = this.options.rounds;
		Map<Scenario, List<RoundResult>> results = new LinkedHashMap<>();
		for (Scenario scenario : scenarios) {
			results.put(scenario, new ArrayList<>());
		}
		// Warm-up, then measured rounds interleaved across scenarios, so that JIT, GC and heap
		// growth drift affect every scenario alike.
		for (int round = -this.options.warmupRounds; round < rounds; round++) {
			for (Scenario scenario : scenarios) {
				RoundResult result = round(baseline, fila, scenario);
				progress(String.format(Locale.ROOT,
						"%s round %s: %s msg/s end to end, producer %s msg/s, GC %.0f%% of wall time%s", scenario.id(),
						(round < 0) ? "warm-up" : Integer.toString(round + 1), Stats.rate(result.rate()),
						Stats.rate(result.produceRate()), result.gcShare() * 100,
						result.complete() ? "" : " (TIMED OUT)"));
				if (round >= 0) {
					results.get(scenario).add(result);
				}
			}
		}
		QueueStats finalStats = fila.stats(BenchmarkListeners.THROUGHPUT_QUEUE);
		System.gc();
		long liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		progress("Timing the @FilaListener adapter on one thread");
		double adapter = fila.handlerAdapterNanos(1_000_000);
		line("## End-to-end throughput");
		line("");
		line(String.format(Locale.ROOT,
				"%,d messages (baseline: %,d) of %d bytes per round; %d warm-up + %d measured rounds per scenario, interleaved; "
						+ "median (min to max) of the measured rounds. End to end = first enqueue to last handler call; "
						+ "producer = the producer thread's own enqueue rate.",
				this.options.messages, this.options.baselineMessages, Payloads.SIZE, this.options.warmupRounds, rounds)
				+ ((this.options.maxBacklog > 0) ? String.format(Locale.ROOT,
						" The Fila producer waits while %,d messages are enqueued but not yet handled.",
						this.options.maxBacklog) : ""));
		line("");
		line("| Scenario | End to end, msg/s | min to max | Producer, msg/s |");
		line("| --- | ---: | ---: | ---: |");
		for (Scenario scenario : scenarios) {
			List<RoundResult> rs = results.get(scenario);
			double[] r = metric(rs, RoundResult::rate);
			double median = Stats.median(r);
			headline.put(scenario.id(), median);
			boolean complete = rs.stream().allMatch(RoundResult::complete);
			line("| " + scenario.label() + (complete ? "" : " (some rounds timed out)") + " | " + Stats.rate(median)
					+ " | " + Stats.rate(Stats.min(r)) + " to " + Stats.rate(Stats.max(r)) + " | "
					+ Stats.rate(Stats.median(metric(rs, RoundResult::produceRate))) + " |");
		}
		line("");
		line("CPU time per message (nanoseconds, median of the measured rounds) by thread: the producer thread, "
				+ "the consumer's fetcher thread, its 4 worker threads (or the baseline's 4 workers), and the rest "
				+ "of the process (GC, JIT and other JVM threads); GC = collector time reported by the GC MXBeans "
				+ "as a share of the round's wall time. On 2 cores, total CPU per message bounds throughput at "
				+ "2e9 / total.");
		line("");
		StringBuilder tsv = new StringBuilder("scenario\trate\tproducer\tconsumer\tjvm\ttotal\tallocated\n");
		line("| Scenario | producer | fetcher | workers | JVM/GC | total | GC time | context switches / msg | allocated bytes / msg |");
		line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
		for (Scenario scenario : scenarios) {
			List<RoundResult> rs = results.get(scenario);
			double producer = Stats.median(metric(rs, (r) -> r.cpuNanosPerMessage(CpuProbe.PRODUCER)));
			double fetcher = Stats.median(metric(rs, (r) -> r.cpuNanosPerMessage(CpuProbe.FETCHER)));
			double workers = Stats.median(metric(rs, (r) -> r.cpuNanosPerMessage(CpuProbe.WORKERS)));
			double jvm = Stats.median(metric(rs, (r) -> r.cpuNanosPerMessage(CpuProbe.JVM)));
			double total = Stats.median(metric(rs, (r) -> r.cpuNanosPerMessage(CpuProbe.PRODUCER)
					+ r.cpuNanosPerMessage(CpuProbe.FETCHER) + r.cpuNanosPerMessage(CpuProbe.WORKERS)
					+ r.cpuNanosPerMessage(CpuProbe.JVM)));
			double gc = Stats.median(metric(rs, RoundResult::gcShare)) * 100;
			double switches = Stats.median(metric(rs, RoundResult::contextSwitchesPerMessage));
			double allocated = Stats.median(metric(rs, RoundResult::allocatedBytesPerMessage));
			line(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.0f %% | %.2f | %,.0f |",
					scenario.id(), producer, fetcher, workers, jvm, total, gc, switches, allocated));
			tsv.append(String.format(Locale.ROOT, "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f%n", scenario.id(),
					Stats.median(metric(rs, RoundResult::rate)), producer, workers + fetcher, jvm, total, allocated));
		}
		writeTsv(tsv.toString());
		line("");
		line("Timed alone on one thread (no contention, no thread hand-off), for comparison: the real "
				+ "`@FilaListener` adapter (MethodFilaMessageHandler.handle: Spring argument resolution and the "
				+ String.format(Locale.ROOT, "reflective call of the no-op method) takes %,.0f ns per message. ", adapter)
				+ "The driver's own costs are in the memory-driver table below.");
		line("");
		line("Queue `" + BenchmarkListeners.THROUGHPUT_QUEUE + "` after the last round (FilaAdmin.stats): pending "
				+ finalStats.pending() + ", in flight " + finalStats.inFlight() + ", delayed " + finalStats.delayed()
				+ (finalStats.total() == 0 ? ": empty, every message was acked." : ": NOT EMPTY."));
		line("");
		line(String.format(Locale.ROOT,
				"Live heap right after the last round (after a full GC), with every queue empty: %,d MiB.",
				liveHeap / (1024 * 1024)));
		line("");
	}

	private static double[] metric(List<RoundResult> results, java.util.function.ToDoubleFunction<RoundResult> metric) {
		return results.stream().mapToDouble(metric).toArray();
	}

	private RoundResult round(Baseline baseline, FilaEndToEnd fila, Scenario scenario) throws Exception {
		Duration timeout = Duration.ofSeconds(this.options.roundTimeoutSeconds);
		if (!scenario.fila()) {
			return baseline.throughput(scenario.keys(), this.options.baselineMessages, timeout);
		}
		return fila.throughput(scenario.keys(), scenario.batch() ? this.options.batchSize : 1, this.options.messages,
				this.options.maxBacklog, timeout);
	}

	private void latency(Baseline baseline, FilaEndToEnd fila, Map<String, Double> headline) throws Exception {
		int rate = this.options.latencyRate;
		int warmup = rate * this.options.latencyWarmupSeconds;
		int measured = rate * this.options.latencySeconds;
		Duration timeout = Duration.ofSeconds(30);
		progress("Latency: baseline, " + (warmup + measured) / rate + " s at " + rate + " msg/s");
		CpuProbe baseProbe = CpuProbe.start();
		long[] base = baseline.latency(KEYS, rate, warmup, measured, timeout).measured();
		CpuProbe.Usage baseUsage = baseProbe.stop(0, 0, 0);
		progress("Latency: Fila, " + (warmup + measured) / rate + " s at " + rate + " msg/s");
		CpuProbe filaProbe = CpuProbe.start();
		long[] filaLatency = fila.latency(KEYS, rate, warmup, measured, timeout).measured();
		CpuProbe.Usage filaUsage = filaProbe.stop(0, 0, 0);
		QueueStats stats = fila.stats(BenchmarkListeners.LATENCY_QUEUE);
		headline.put("latency-p50", (double) Stats.percentile(filaLatency, 0.50));
		headline.put("latency-p99", (double) Stats.percentile(filaLatency, 0.99));
		line("## Enqueue-to-handler latency");
		line("");
		line(String.format(Locale.ROOT,
				"One producer paced at %,d msg/s on an absolute schedule (LockSupport.parkNanos), single enqueue, "
						+ "10 keys; latency = handler start nanoTime minus the nanoTime stamped into the payload just "
						+ "before enqueue. %d s warm-up, then %,d measured messages (%d s). Microseconds.",
				rate, this.options.latencyWarmupSeconds, measured, this.options.latencySeconds));
		line("");
		line("| Subject | p50 | p90 | p99 | p99.9 | max | GCs during the run (warm-up included) |");
		line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
		line(latencyRow("Baseline: ArrayBlockingQueue, 4 workers", base, baseUsage));
		line(latencyRow("Fila: enqueue -> @FilaListener (concurrency 4, prefetch 10)", filaLatency, filaUsage));
		line("");
		line("At 1,000 msg/s one stall of the process (a GC pause, or the VM or thread not being scheduled) of "
				+ "T ms delays about T probes, so a single 100 ms stall in the 10 s window moves p99 to tens of "
				+ "milliseconds: p99 here is very sensitive to other load on the machine.");
		line("");
		line("Queue `" + BenchmarkListeners.LATENCY_QUEUE + "` afterwards: pending " + stats.pending() + ", in flight "
				+ stats.inFlight() + ".");
		line("");
	}

	private static String latencyRow(String label, long[] sorted, CpuProbe.Usage usage) {
		return "| " + label + " | " + Stats.micros(Stats.percentile(sorted, 0.50)) + " | "
				+ Stats.micros(Stats.percentile(sorted, 0.90)) + " | " + Stats.micros(Stats.percentile(sorted, 0.99))
				+ " | " + Stats.micros(Stats.percentile(sorted, 0.999)) + " | "
				+ Stats.micros(sorted.length == 0 ? -1 : sorted[sorted.length - 1]) + " | "
				+ String.format(Locale.ROOT, "%d, %d ms", usage.gcCount(), usage.gcMillis()) + " |";
	}

	private void micro() throws Exception {
		int[] keyCounts = { 1, 10, 10_000, 100_000 };
		int warmup = 2;
		int rounds = this.options.rounds;
		List<DriverMicro> micros = new ArrayList<>();
		for (int keys : keyCounts) {
			micros.add(new DriverMicro(keys, this.options.microMessages, this.options.batchSize));
		}
		for (int round = -warmup; round < rounds; round++) {
			progress("Driver micro-benchmark round " + ((round < 0) ? "warm-up" : Integer.toString(round + 1)));
			for (DriverMicro micro : micros) {
				micro.round(round >= 0);
			}
		}
		List<DriverMicro.Row> rows = new ArrayList<>();
		for (DriverMicro micro : micros) {
			rows.add(micro.row());
			micro.close();
		}
		this.microRows = rows;
		progress("Thread hand-off ping-pong");
		double handOff = HandOff.nanosPerHandOff(200_000);
		line("## Memory driver alone (no Spring, one thread)");
		line("");
		line(String.format(Locale.ROOT,
				"MemoryDriver used directly: enqueue a backlog of %,d messages in batches of %d (round-robin keys), "
						+ "then fetch(10) and ack until empty. Key counts interleaved, a full GC before each; median of "
						+ "%d rounds after 2 warm-up rounds. Visibility timeout %d s (not 30 s) so that acked leases the "
						+ "driver keeps until their deadline do not turn this into a GC measurement.",
				this.options.microMessages, this.options.batchSize, this.options.rounds,
				DriverMicro.LEASE.toSeconds()));
		line("");
		line("| Keys | enqueue, ns/msg | fetch + ack, ns/msg | fetch + ack, msg/s | rounds |");
		line("| ---: | ---: | ---: | ---: | ---: |");
		for (DriverMicro.Row row : rows) {
			line(String.format(Locale.ROOT, "| %,d | %,.0f | %,.0f | %s | %d |", row.keys(), row.enqueueNanosPerMessage(),
					row.fetchAckNanosPerMessage(), Stats.rate(1e9 / row.fetchAckNanosPerMessage()), row.rounds()));
		}
		line("");
		line(String.format(Locale.ROOT,
				"One thread hand-off on this machine (two threads passing a token with LockSupport.park/unpark; "
						+ "a futex wake plus a context switch): %,.0f ns. The listener container pays this whenever "
						+ "its fetcher and workers wait for each other (see context switches per message above).",
				handOff));
		line("");
	}

	private void targets(Map<String, Double> h) {
		if (h.isEmpty() && this.microRows.isEmpty()) {
			return;
		}
		line("## Against the targets");
		line("");
		line("| Measure | Result | Target | Met |");
		line("| --- | ---: | ---: | :---: |");
		if (h.containsKey("baseline") && h.containsKey("fila-batch-10") && h.containsKey("fila-single-10")
				&& h.containsKey("fila-batch-1") && h.containsKey("fila-batch-10000") && h.containsKey("fila-batch-100000")) {
			double base = h.get("baseline");
			double ratio = h.get("fila-batch-10") / base;
			line(row("Fila (enqueueAll, 10 keys) / baseline", Stats.fixed(ratio, 2) + "x", ">= 0.5x", ratio >= 0.5));
			double single = h.get("fila-single-10") / base;
			line(row("Fila (single enqueue, 10 keys) / baseline", Stats.fixed(single, 2) + "x", ">= 0.5x",
					single >= 0.5));
			double oneKey = h.get("fila-batch-1");
			double overhead = (oneKey / h.get("fila-batch-10") - 1) * 100;
			line(row("DRR overhead, 10 keys vs 1 key (throughput lost)", Stats.fixed(overhead, 1) + " %", "<= 5 %",
					overhead <= 5));
			double tenK = (h.get("fila-batch-10000") / h.get("fila-batch-10") - 1) * 100;
			line(row("10,000 keys vs 10 keys", signed(tenK) + " %", "(no target)", null));
			double hundredK = (h.get("fila-batch-100000") / h.get("fila-batch-10") - 1) * 100;
			line(row("100,000 keys vs 10 keys", signed(hundredK) + " %", "within 20 %", hundredK >= -20));
		}
		if (this.microRows.size() == 4) {
			double one = this.microRows.get(0).fetchAckNanosPerMessage();
			double ten = this.microRows.get(1).fetchAckNanosPerMessage();
			double hundredK = this.microRows.get(3).fetchAckNanosPerMessage();
			double overhead = (ten / one - 1) * 100;
			line(row("DRR overhead, driver alone: fetch + ack with 10 keys vs 1 key", signed(overhead) + " %", "<= 5 %",
					overhead <= 5));
			double scaling = (ten / hundredK - 1) * 100;
			line(row("100,000 keys vs 10 keys, driver alone (fetch + ack throughput)", signed(scaling) + " %",
					"(no target)", null));
		}
		if (h.containsKey("latency-p99")) {
			double p50 = h.get("latency-p50");
			double p99 = h.get("latency-p99");
			line(row("Latency p50 at 1,000 msg/s", Stats.micros((long) p50) + " us", "(no target)", null));
			line(row("Latency p99 at 1,000 msg/s", Stats.micros((long) p99) + " us", "<= 1,000 us", p99 <= 1_000_000));
		}
		line("");
	}

	private static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim();
		}
		catch (IOException | RuntimeException ex) {
			return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

	private static String signed(double value) {
		return (value >= 0 ? "+" : "") + Stats.fixed(value, 1);
	}

	private static String row(String measure, String result, String target, Boolean met) {
		return "| " + measure + " | " + result + " | " + target + " | "
				+ (met == null ? "" : (met ? "yes" : "**no**")) + " |";
	}

	private void writeTsv(String text) {
		if (this.options.tsv == null) {
			return;
		}
		try {
			Files.writeString(this.options.tsv, text);
		}
		catch (IOException ex) {
			System.err.println("Could not write " + this.options.tsv + ": " + ex);
		}
	}

	private void writeReport() {
		Path file = this.options.report;
		try {
			if (file.getParent() != null) {
				Files.createDirectories(file.getParent());
			}
			Files.writeString(file, this.report);
			System.out.println("Report written to " + file.toAbsolutePath());
		}
		catch (IOException ex) {
			System.err.println("Could not write " + file + ": " + ex);
		}
	}

	private void line(String text) {
		this.report.append(text).append('\n');
	}

	private static void progress(String text) {
		System.out.println("[bench] " + text);
	}

}
