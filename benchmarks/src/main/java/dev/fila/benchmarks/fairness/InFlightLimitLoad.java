package dev.fila.benchmarks.fairness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

/**
 * In-flight limits under load, over two application instances: two drivers on the same
 * backend (one shared driver on memory), each with four worker threads that lease up to 2
 * messages, hold each for 1 ms and ack it. 20 keys of 500 messages each. Counts the leases of
 * every key (and of the queue) at once across both instances, from each fetch's return to the
 * ack, and prints the most seen, for {@code key-max-in-flight: 2} and then for
 * {@code max-in-flight: 6}.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.fairness.InFlightLimitLoad memory|redis|amqp [rounds=3]}
 */
public final class InFlightLimitLoad {

	private static final int KEYS = 20;

	private static final int PER_KEY = 500;

	private static final int WORKERS_PER_INSTANCE = 4;

	private InFlightLimitLoad() {
	}

	public static void main(String[] args) throws Exception {
		String backend = (args.length > 0) ? args[0] : "memory";
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		System.out.printf("In-flight limits on %s: 2 instances x %d workers, %d keys x %d messages, 1 ms each%n%n",
				backend, WORKERS_PER_INSTANCE, KEYS, PER_KEY);
		System.out.println("| limit | round | most leased of one key | most leased in the queue | msg/s |");
		System.out.println("|---|---|---|---|---|");
		for (int round = 1; round <= rounds; round++) {
			run(backend, round, new QueueFlow(false, Set.of(), Map.of(), 2, Map.of(), 0), "key-max-in-flight: 2");
			run(backend, round, new QueueFlow(false, Set.of(), Map.of(), 0, Map.of(), 6), "max-in-flight: 6");
		}
		System.exit(0);
	}

	private static void run(String backend, int round, QueueFlow limits, String label) throws Exception {
		String prefix = "fila-limits-" + UUID.randomUUID();
		String queue = "limits-" + UUID.randomUUID();
		try (Backend first = Backend.open(backend, prefix);
				Backend second = backend.equals("memory") ? null : Backend.open(backend, prefix)) {
			List<FilaDriver> instances = (second != null) ? List.of(first.driver(), second.driver())
					: List.of(first.driver(), first.driver());
			first.driver().createQueue(new QueueSpec(queue, Duration.ofSeconds(60), 1, false));
			for (FilaDriver instance : instances) {
				instance.applyFlow(queue, limits);
				instance.fetch(queue, 1, Duration.ofMillis(1));
			}
			int total = KEYS * PER_KEY;
			Map<String, AtomicInteger> leasedPerKey = new ConcurrentHashMap<>();
			Map<String, AtomicInteger> mostPerKey = new ConcurrentHashMap<>();
			AtomicInteger leased = new AtomicInteger();
			AtomicInteger mostLeased = new AtomicInteger();
			AtomicInteger done = new AtomicInteger();
			CountDownLatch finished = new CountDownLatch(2 * WORKERS_PER_INSTANCE);
			long start = System.nanoTime();
			List<Thread> workers = new ArrayList<>();
			for (FilaDriver instance : instances) {
				for (int w = 0; w < WORKERS_PER_INSTANCE; w++) {
					Thread worker = new Thread(() -> {
						try {
							while (done.get() < total) {
								List<LeasedMessage> batch = instance.fetch(queue, 2, Duration.ofMillis(200));
								for (LeasedMessage message : batch) {
									int now = leasedPerKey.computeIfAbsent(message.fairnessKey(), (k) -> new AtomicInteger())
										.incrementAndGet();
									mostPerKey.computeIfAbsent(message.fairnessKey(), (k) -> new AtomicInteger())
										.accumulateAndGet(now, Math::max);
									mostLeased.accumulateAndGet(leased.incrementAndGet(), Math::max);
								}
								for (LeasedMessage message : batch) {
									Thread.sleep(1);
									// Counted from after the fetch to before the ack, inside the lease: what is
									// seen at once was leased at once, so a figure above the limit is real.
									leasedPerKey.get(message.fairnessKey()).decrementAndGet();
									leased.decrementAndGet();
									instance.ack(message);
									done.incrementAndGet();
								}
							}
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						finally {
							finished.countDown();
						}
					});
					worker.start();
					workers.add(worker);
				}
			}
			DriverBatches.enqueue(first.driver(), queue, total, 100, (i) -> new OutgoingMessage(Map.of(), new byte[16],
					new Scheduling("k" + (i % KEYS), 1, List.of(), 0)));
			if (!finished.await(5, TimeUnit.MINUTES)) {
				throw new IllegalStateException("not drained in 5 minutes: " + done.get() + " of " + total);
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			int mostOfAKey = mostPerKey.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
			System.out.printf("| %s | %d | %d | %d | %,.0f |%n", label, round, mostOfAKey, mostLeased.get(),
					total / seconds);
			first.driver().deleteQueue(queue);
		}
	}

}
