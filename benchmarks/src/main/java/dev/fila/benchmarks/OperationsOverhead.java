package dev.fila.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Fila's meters and observations cost on the memory-driver throughput benchmark: runs
 * {@link FilaBenchmarks} (throughput part only) in a fresh JVM per operations mode
 * ({@code none}, {@code meters}, {@code all}), several times with the modes alternating, and
 * compares the medians. One JVM per mode, so that the JIT compiles each mode's hot path as an
 * application with that configuration would, not a mix of all three.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.OperationsOverhead [--runs=3]
 * [--scenarios=fila-batch-10,fila-single-10] [any FilaBenchmarks option]}
 */
public final class OperationsOverhead {

	private static final List<Operations> MODES = List.of(Operations.NONE, Operations.METERS, Operations.ALL);

	private OperationsOverhead() {
	}

	/** One scenario's medians in one JVM. */
	private record Row(double rate, double producer, double consumer, double jvm, double total, double allocated) {
	}

	public static void main(String[] args) throws Exception {
		int runs = 3;
		String scenarios = "fila-batch-10,fila-single-10";
		List<String> passed = new ArrayList<>();
		for (String arg : args) {
			if (arg.startsWith("--runs=")) {
				runs = Integer.parseInt(arg.substring("--runs=".length()));
			}
			else if (arg.startsWith("--scenarios=")) {
				scenarios = arg.substring("--scenarios=".length());
			}
			else {
				passed.add(arg);
			}
		}
		Path dir = Files.createDirectories(Path.of("benchmarks", "target", "operations-overhead"));
		String load = Files.readString(Path.of("/proc/loadavg")).trim();
		Map<Operations, Map<String, List<Row>>> results = new LinkedHashMap<>();
		MODES.forEach((mode) -> results.put(mode, new LinkedHashMap<>()));
		for (int run = 0; run < runs; run++) {
			for (int i = 0; i < MODES.size(); i++) {
				// Rotate the order so that no mode always runs first or last.
				Operations mode = MODES.get((i + run) % MODES.size());
				Path tsv = dir.resolve(mode.id() + "-" + (run + 1) + ".tsv");
				List<String> command = new ArrayList<>(List.of(javaCommand(), "-cp",
						System.getProperty("java.class.path"), FilaBenchmarks.class.getName(), "--only=throughput",
						"--scenarios=" + scenarios, "--operations=" + mode.id(), "--tsv=" + tsv,
						"--report=" + dir.resolve(mode.id() + "-" + (run + 1) + ".md")));
				command.addAll(passed);
				System.out.println("[overhead] run " + (run + 1) + "/" + runs + ", operations=" + mode.id());
				Process process = new ProcessBuilder(command).inheritIO()
					.redirectOutput(dir.resolve(mode.id() + "-" + (run + 1) + ".log").toFile())
					.start();
				if (process.waitFor() != 0) {
					throw new IllegalStateException("Benchmark JVM failed, see " + dir);
				}
				List<String> lines = Files.readAllLines(tsv);
				for (String line : lines.subList(1, lines.size())) {
					String[] f = line.split("\t");
					results.get(mode)
						.computeIfAbsent(f[0], (k) -> new ArrayList<>())
						.add(new Row(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
								Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6])));
				}
			}
		}
		StringBuilder report = new StringBuilder();
		report.append("# Operations overhead\n\n");
		report.append(String.format(Locale.ROOT,
				"Run %s on %d CPUs, %s %s; load average before: %s. %d JVMs per mode, modes alternating; each JVM runs "
						+ "the throughput scenarios (FilaBenchmarks defaults unless overridden: %s) and reports medians. "
						+ "Below, the median over the JVMs. Throughput lost = 1 - mode / none; CPU added = mode - none.%n%n",
				OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(),
				System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), load, runs, passed));
		report.append("| Scenario | Operations | End to end, msg/s (each JVM) | median | throughput lost | "
				+ "CPU ns/msg: producer | consumer | JVM/GC | total | CPU added | allocated B/msg |\n");
		report.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (String scenario : results.get(Operations.NONE).keySet()) {
			Row none = median(results.get(Operations.NONE).get(scenario));
			for (Operations mode : MODES) {
				List<Row> rows = results.get(mode).get(scenario);
				Row m = median(rows);
				String each = String.join(", ", rows.stream().map((r) -> Stats.rate(r.rate())).toList());
				report.append(String.format(Locale.ROOT,
						"| %s | %s | %s | %s | %s | %,.0f | %,.0f | %,.0f | %,.0f | %s | %,.0f |%n", scenario, mode.id(),
						each, Stats.rate(m.rate()),
						(mode == Operations.NONE) ? "" : String.format(Locale.ROOT, "%.1f %%", (1 - m.rate() / none.rate()) * 100),
						m.producer(), m.consumer(), m.jvm(), m.total(),
						(mode == Operations.NONE) ? "" : String.format(Locale.ROOT, "%+,.0f", m.total() - none.total()),
						m.allocated()));
			}
		}
		System.out.println();
		System.out.println(report);
		Path file = Path.of("benchmarks", "target", "operations-overhead.md");
		Files.writeString(file, report);
		System.out.println("Report written to " + file.toAbsolutePath());
	}

	private static Row median(List<Row> rows) {
		return new Row(median(rows, Row::rate), median(rows, Row::producer), median(rows, Row::consumer),
				median(rows, Row::jvm), median(rows, Row::total), median(rows, Row::allocated));
	}

	private static double median(List<Row> rows, java.util.function.ToDoubleFunction<Row> metric) {
		return Stats.median(rows.stream().mapToDouble(metric).toArray());
	}

	private static String javaCommand() {
		return ProcessHandle.current().info().command().orElse("java");
	}

}
