package dev.fila.benchmarks.amqp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.scheduling.Scheduling;

/**
 * What quorum queues cost the AMQP driver, whose every fairness key is a RabbitMQ queue (with
 * {@code quorum: true}, a Raft group on every node), on the local 3-node cluster of
 * {@code scripts/clusters.sh} (127.0.0.1:5681-5683). For each number of keys, classic queues
 * first and quorum queues second, it measures:
 * <ul>
 * <li>the first use of every key: one message per key, in batches of 100 (each new key costs a
 * {@code queue.declare} and a key log record);</li>
 * <li>the memory of the three nodes ({@code erlang:memory(total)} and the beam's resident set)
 * before and after;</li>
 * <li>how long a new consumer (4 workers, prefetch 10) takes to deliver those first messages
 * (its session consumes every key queue first);</li>
 * <li>end-to-end throughput: {@code messages} more messages over the keys, batches of 100,
 * publisher confirms, ack after the handler;</li>
 * <li>how long deleting the queue (every key queue) takes.</li>
 * </ul>
 * A step that would take longer than the declare budget stops there and reports how far it got.
 * The layouts to compare are given as {@code classic}, {@code quorum} (a queue per key) and
 * {@code quorum-<n>} (quorum queues with {@code key-shards: n}).
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.amqp.QuorumCostBenchmark
 * [messages=20000] [keys=10,1000,10000] [declare-budget-seconds=600] [layouts=classic,quorum]}
 */
public final class QuorumCostBenchmark {

	private static final String ADDRESSES = "127.0.0.1:5681,127.0.0.1:5682,127.0.0.1:5683";

	private static final List<String> NODES = List.of("fila-a", "fila-b", "fila-c");

	private static final int BATCH = 100;

	private static final byte[] PAYLOAD = new byte[256];

	private final CachingConnectionFactory connectionFactory = new CachingConnectionFactory();

	private final Path script = script();

	private final int messages;

	private final Duration declareBudget;

	private QuorumCostBenchmark(int messages, Duration declareBudget) {
		this.messages = messages;
		this.declareBudget = declareBudget;
		this.connectionFactory.setAddresses(ADDRESSES);
		this.connectionFactory.setUsername("guest");
		this.connectionFactory.setPassword("guest");
	}

	public static void main(String[] args) throws Exception {
		int messages = (args.length > 0) ? Integer.parseInt(args[0]) : 20_000;
		int[] keyCounts = (args.length > 1) ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
				: new int[] { 10, 1_000, 10_000 };
		Duration budget = Duration.ofSeconds((args.length > 2) ? Long.parseLong(args[2]) : 600);
		List<String> layouts = List.of(((args.length > 3) ? args[3] : "classic,quorum").split(","));
		QuorumCostBenchmark benchmark = new QuorumCostBenchmark(messages, budget);
		System.out.printf("Quorum cost on the 3-node cluster (%s): %,d messages of %d bytes per round, "
				+ "consumer with 4 workers, prefetch 10, batches of %d, declare budget %ds%n%n", ADDRESSES, messages,
				PAYLOAD.length, BATCH, budget.toSeconds());
		System.out.println("| keys | queue type | first use of every key (s) | keys declared/s | node memory before (MiB, 3 nodes) "
				+ "| after (MiB) | per key queue (KiB) | beam RSS after (MiB, 3 nodes) | first deliveries of a new consumer (s) "
				+ "| throughput (msg/s) | delete (s) |");
		System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
		try {
			for (int keys : keyCounts) {
				for (String layout : layouts) {
					boolean quorum = layout.startsWith("quorum");
					int shards = layout.startsWith("quorum-") ? Integer.parseInt(layout.substring(7)) : 0;
					benchmark.round(keys, quorum, shards);
				}
			}
		}
		finally {
			benchmark.connectionFactory.destroy();
		}
		System.exit(0);
	}

	private void round(int keys, boolean quorum, int shards) throws Exception {
		String prefix = "fila-qcost-" + UUID.randomUUID().toString().substring(0, 8);
		String queue = "cost";
		AmqpDriverOptions defaults = AmqpDriverOptions.DEFAULTS;
		AmqpDriver driver = new AmqpDriver("amqp", this.connectionFactory, new AmqpDriverOptions(prefix, quorum,
				defaults.keyPrefetch(), defaults.prefetchBudget(), defaults.keyLogMaxBytes(),
				defaults.sessionIdleTimeout(), shards, defaults.keyIdleExpiry()));
		FilaListenerContainer container = null;
		StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %,d | %s |", keys,
				(quorum ? "quorum" : "classic") + ((shards > 0) ? ", " + shards + " key shards" : "")));
		try {
			driver.createQueue(new QueueSpec(queue, Duration.ofSeconds(30), 1, false));
			Memory before = memory();
			long start = System.nanoTime();
			long deadline = start + this.declareBudget.toNanos();
			int declared = 0;
			while (declared < keys && System.nanoTime() - deadline < 0) {
				List<OutgoingMessage> batch = new ArrayList<>(BATCH);
				for (int i = declared; i < Math.min(keys, declared + BATCH); i++) {
					batch.add(message(i, keys));
				}
				driver.enqueue(queue, batch);
				declared += batch.size();
			}
			double declareSeconds = (System.nanoTime() - start) / 1e9;
			Memory after = memory();
			row.append(String.format(Locale.ROOT, " %.1f%s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f |", declareSeconds,
					(declared < keys) ? " (stopped at " + declared + " keys)" : "", declared / declareSeconds,
					before.erlangMib(), after.erlangMib(),
					(after.erlangMib() - before.erlangMib()) * 1024 / declared, after.rssMib()));
			if (declared < keys) {
				row.append(" | |");
				return;
			}
			int total = keys + this.messages;
			CountDownLatch first = new CountDownLatch(keys);
			CountDownLatch all = new CountDownLatch(total);
			container = AmqpBenchmark.consumer(driver, queue, (payload) -> {
				first.countDown();
				all.countDown();
			});
			start = System.nanoTime();
			container.start();
			if (!first.await(this.declareBudget.toSeconds(), TimeUnit.SECONDS)) {
				row.append(String.format(Locale.ROOT, " over %ds | |", this.declareBudget.toSeconds()));
				return;
			}
			row.append(String.format(Locale.ROOT, " %.1f |", (System.nanoTime() - start) / 1e9));
			start = System.nanoTime();
			DriverBatches.enqueue(driver, queue, this.messages, BATCH, (i) -> message(i, keys));
			if (!all.await(10, TimeUnit.MINUTES)) {
				row.append(" over 10 min |");
			}
			else {
				row.append(String.format(Locale.ROOT, " %,.0f |", this.messages * 1e9 / (System.nanoTime() - start)));
			}
		}
		finally {
			if (container != null) {
				container.stop();
			}
			long start = System.nanoTime();
			driver.deleteQueue(queue);
			row.append(String.format(Locale.ROOT, " %.1f |", (System.nanoTime() - start) / 1e9));
			// The consumer's queue definition has a dead-letter queue: created with it, deleted here.
			driver.deleteQueue(QueueSpec.deadLetterQueueOf(queue));
			driver.close();
			try (var connection = this.connectionFactory.createConnection()) {
				var channel = connection.createChannel(false);
				channel.queueDelete(prefix + ":keys"); // the key log, see AmqpNames
				channel.close();
			}
			System.out.println(row);
		}
	}

	private static OutgoingMessage message(int index, int keys) {
		return new OutgoingMessage(Map.of(), PAYLOAD, new Scheduling("tenant-" + (index % keys), 1, List.of()));
	}

	/** Memory of the three nodes together: the Erlang VM's own count and the processes' resident sets. */
	private record Memory(double erlangMib, double rssMib) {
	}

	private Memory memory() throws IOException, InterruptedException {
		double erlang = 0;
		double rss = 0;
		for (String node : NODES) {
			erlang += Long.parseLong(rabbitmqctl(node, "eval", "erlang:memory(total).")) / 1048576.0;
			String pid = rabbitmqctl(node, "eval", "os:getpid().").replace("\"", "");
			for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
				if (line.startsWith("VmRSS:")) {
					rss += Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
				}
			}
		}
		return new Memory(erlang, rss);
	}

	private String rabbitmqctl(String node, String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("bash", this.script.toString(), "rabbitmqctl", node, "-q"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		if (process.waitFor() != 0) {
			throw new IOException("rabbitmqctl " + String.join(" ", arguments) + " on " + node + ": " + output);
		}
		return output;
	}

	private static Path script() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path script = dir.resolve("scripts/clusters.sh");
			if (Files.isRegularFile(script)) {
				return script;
			}
		}
		throw new IllegalStateException("run from the repository: scripts/clusters.sh not found above "
				+ Path.of("").toAbsolutePath());
	}

}
