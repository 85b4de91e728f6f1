package dev.fila.benchmarks.fairness;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

/**
 * Fairness accuracy: five keys of weights 1 to 5, each with a backlog that outlasts the window,
 * served by a consumer that leases up to 4 messages at a time and acks them. Prints each key's
 * share of the first 5,000 deliveries against its weight's (w / 15), and the largest deviation
 * in percentage points, for four settings: plain; a key in-flight limit of 2; messages spread
 * over priority levels 0 to 2 (each key at every level, so the window is level 2 only); both.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.fairness.FairnessAccuracy memory|redis|amqp}
 * <p>
 * {@code -Dfila.bench.priority-queues=true}: the amqp driver with {@code priority-queues: true}.
 */
public final class FairnessAccuracy {

	private static final int KEYS = 5;

	private static final int WINDOW = 5_000;

	/** Per key and level: more than the heaviest key's share of the window (5 / 15 of 5,000). */
	private static final int PER_KEY_AND_LEVEL = 2_000;

	private FairnessAccuracy() {
	}

	public static void main(String[] args) throws Exception {
		String backend = (args.length > 0) ? args[0] : "memory";
		System.out.printf("Fairness accuracy on %s: weights 1..5, window of %,d deliveries, leases of 4%n%n", backend,
				WINDOW);
		System.out.println("| setting | share w1 | w2 | w3 | w4 | w5 | max deviation (pp) |");
		System.out.println("|---|---|---|---|---|---|---|");
		for (String setting : List.of("plain", "key limit 2", "priorities 0-2", "limit 2 + priorities")) {
			boolean limited = setting.contains("limit");
			int levels = setting.contains("priorities") ? 3 : 1;
			try (Backend driver = Backend.open(backend, "fila-fairness-" + UUID.randomUUID())) {
				run(driver.driver(), setting, limited, levels);
			}
		}
		System.exit(0);
	}

	private static void run(FilaDriver driver, String setting, boolean limited, int levels) throws Exception {
		String queue = "fairness-" + UUID.randomUUID();
		driver.createQueue(new QueueSpec(queue, Duration.ofSeconds(60), 1, false));
		try {
			if (limited) {
				driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 2, Map.of(), 0));
			}
			// A consumer that runs before the backlog arrives, as an application's does.
			driver.fetch(queue, 1, Duration.ofMillis(1));
			int total = KEYS * levels * PER_KEY_AND_LEVEL;
			DriverBatches.enqueue(driver, queue, total, 100, (i) -> new OutgoingMessage(Map.of(), new byte[16],
					new Scheduling("w" + (i % KEYS + 1), i % KEYS + 1, List.of(), (i / KEYS) % levels)));
			Thread.sleep(500);
			long[] counts = new long[KEYS];
			int delivered = 0;
			while (delivered < WINDOW) {
				List<LeasedMessage> leased = driver.fetch(queue, 4, Duration.ofSeconds(5));
				if (leased.isEmpty()) {
					throw new IllegalStateException("The queue ran dry after " + delivered + " deliveries");
				}
				for (LeasedMessage message : leased) {
					if (delivered++ < WINDOW) {
						counts[Integer.parseInt(message.fairnessKey().substring(1)) - 1]++;
					}
				}
				driver.ackAll(leased);
			}
			StringBuilder row = new StringBuilder("| " + setting + " |");
			double worst = 0;
			for (int k = 0; k < KEYS; k++) {
				double share = 100.0 * counts[k] / WINDOW;
				double entitled = 100.0 * (k + 1) / 15;
				worst = Math.max(worst, Math.abs(share - entitled));
				row.append(String.format(" %.2f%% (%.2f) |", share, entitled));
			}
			row.append(String.format(" %.2f |", worst));
			System.out.println(row);
		}
		finally {
			driver.deleteQueue(queue);
		}
	}

}
