package dev.fila.benchmarks.redis;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.LMoveArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.driver.redis.RedisDriverOptions;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

/**
 * The Redis driver end to end (batch enqueue, a Fila consumer with concurrency 4 and prefetch
 * 10, ack) side by side with a raw Lettuce reliable queue (LPUSH; BLMOVE into a processing
 * list; LREM to ack; 4 consumer threads), same payload, same Redis, in one run. Then paced
 * latency at 1,000 msg/s, and Fila throughput with 10 and 10,000 fairness keys (alternating rounds).
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.redis.RedisBenchmark [messages]}
 * <p>
 * With {@code --latency [runs]}: only the paced latency at 1,000 msg/s, Fila and raw, per run.
 * <p>
 * With {@code --cluster [messages]}: the Fila driver on the single node next to the Redis
 * Cluster of {@code scripts/clusters.sh} (127.0.0.1:7001-7006), with {@code wait-replicas} 0
 * and 1, in one run: throughput rounds alternate between the three, then paced latency.
 */
public final class RedisBenchmark {

	private static final int PAYLOAD_BYTES = 256;

	private static final int CONSUMERS = 4;

	/** Fila's prefetch ({@code -Dfila.bench.prefetch}, 10 by default): with 4 workers, at most 14 leases at once. */
	private static final int PREFETCH = Integer.getInteger("fila.bench.prefetch", 10);

	private static final int BATCH = 100;

	private static final List<String> CLUSTER_NODES = List.of("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003",
			"127.0.0.1:7004", "127.0.0.1:7005", "127.0.0.1:7006");

	private final String prefix = "fila-bench-" + UUID.randomUUID();

	private final LettuceConnectionFactory connectionFactory;

	private final int waitReplicas;

	private final RedisClient client = RedisClient.create("redis://127.0.0.1:6379");

	private RedisBenchmark(RedisConfiguration configuration, int waitReplicas) {
		this.connectionFactory = new LettuceConnectionFactory(configuration);
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		this.waitReplicas = waitReplicas;
	}

	private static RedisBenchmark singleNode() {
		return new RedisBenchmark(new RedisStandaloneConfiguration("127.0.0.1", 6379), 0);
	}

	private static RedisBenchmark cluster(int waitReplicas) {
		return new RedisBenchmark(new RedisClusterConfiguration(CLUSTER_NODES), waitReplicas);
	}

	/** With {@code -Dfila.bench.levels=n}: messages get priorities 0 to n - 1 in turn (the cost of priorities). */
	private static final int LEVELS = Math.max(1, Math.min(10, Integer.getInteger("fila.bench.levels", 1)));

	/** With {@code -Dfila.bench.aging-ms=n}: the throughput queue has priority aging (the cost of aging). */
	private static final long AGING_MILLIS = Long.getLong("fila.bench.aging-ms", 0);

	/** Measured throughput rounds per side after the warm-up ({@code -Dfila.bench.rounds}, 5 by default). */
	private static final int ROUNDS = Integer.getInteger("fila.bench.rounds", 5);

	/**
	 * Paced messages whose latency is not counted, one per ms ({@code -Dfila.bench.latency-warmup-ms},
	 * 2,000 by default): Fila's longer code path is still being compiled after 2 s on 2 cores.
	 */
	private static final int LATENCY_WARMUP_MS = Integer.getInteger("fila.bench.latency-warmup-ms", 2000);

	/**
	 * Alternating rounds of 10 and 10,000 keys after the latency ({@code -Dfila.bench.key-rounds}, 5
	 * by default: the median of 5, as for the throughput against raw Lettuce).
	 */
	private static final int KEY_ROUNDS = Integer.getInteger("fila.bench.key-rounds", 5);

	public static void main(String[] args) throws Exception {
		boolean idle = args.length > 0 && args[0].equals("--idle");
		if (args.length > 0 && args[0].equals("--command-cost")) {
			RedisBenchmark benchmark = singleNode();
			try {
				new RedisCommandCost(benchmark, benchmark.client).run((args.length > 1) ? Integer.parseInt(args[1]) : 20_000);
			}
			finally {
				benchmark.close();
			}
			System.exit(0);
		}
		if (args.length > 0 && args[0].equals("--latency")) {
			RedisBenchmark benchmark = singleNode();
			try {
				int runs = (args.length > 1) ? Integer.parseInt(args[1]) : 1;
				for (int run = 0; run < runs; run++) {
					benchmark.latencyOnly();
				}
			}
			finally {
				benchmark.close();
			}
			System.exit(0);
		}
		if (args.length > 0 && args[0].equals("--cluster")) {
			compareWithCluster((args.length > 1) ? Integer.parseInt(args[1]) : 20_000);
			System.exit(0);
		}
		int messages = (args.length > 0 && !idle) ? Integer.parseInt(args[0]) : 50_000;
		RedisBenchmark benchmark = singleNode();
		try {
			if (idle) {
				benchmark.idle((args.length > 1) ? Integer.parseInt(args[1]) : 3);
			}
			else {
				benchmark.run(messages);
			}
		}
		finally {
			benchmark.close();
		}
		System.exit(0);
	}

	private void run(int messages) throws Exception {
		System.out.printf("Redis benchmark: %,d messages of %d bytes, %d consumers, prefetch %d, batches of %d,"
				+ " %d priority levels, aging %d ms%n%n", messages, PAYLOAD_BYTES, CONSUMERS, PREFETCH, BATCH, LEVELS,
				AGING_MILLIS);
		// Warm up both sides with two full rounds each (the JIT compiles Fila's longer paths
		// later than the raw loop's), then measure each ROUNDS times, alternating.
		for (int warmup = 0; warmup < 2; warmup++) {
			filaThroughput(messages, 10);
			rawThroughput(messages);
		}
		List<Double> fila = new ArrayList<>();
		List<Double> raw = new ArrayList<>();
		for (int round = 0; round < ROUNDS; round++) {
			fila.add(filaThroughput(messages, 10));
			raw.add(rawThroughput(messages));
		}
		double filaRate = median(fila);
		double rawRate = median(raw);
		System.out.printf(Locale.ROOT, "rounds (msg/s): fila %s, raw %s, ratios %s%n", rounded(fila), rounded(raw),
				ratios(fila, raw));
		System.out.println("| measure | Fila Redis driver | raw Lettuce reliable queue | ratio |");
		System.out.println("|---|---|---|---|");
		System.out.printf(Locale.ROOT, "| end-to-end throughput, 10 keys (msg/s, median of %d) | %,.0f | %,.0f | %.2fx |%n",
				ROUNDS, filaRate, rawRate, filaRate / rawRate);
		long[] filaLatency = filaLatency(Duration.ofSeconds(10)).endToEnd();
		long[] rawLatency = rawLatency(Duration.ofSeconds(10));
		System.out.printf(Locale.ROOT, "| p50 latency at 1,000 msg/s (ms) | %.3f | %.3f | |%n", percentile(filaLatency, 50),
				percentile(rawLatency, 50));
		System.out.printf(Locale.ROOT, "| p99 latency at 1,000 msg/s (ms) | %.3f | %.3f | |%n", percentile(filaLatency, 99),
				percentile(rawLatency, 99));
		// One round of each moved by 10-20 % from run to run on a 2-core VM: the key-count ratio is
		// the median of KEY_ROUNDS alternating rounds against the median of the 10-key ones beside them.
		List<Double> tenKeys = new ArrayList<>();
		List<Double> manyKeys = new ArrayList<>();
		for (int round = 0; round < KEY_ROUNDS; round++) {
			tenKeys.add(filaThroughput(messages, 10));
			manyKeys.add(filaThroughput(messages, 10_000));
		}
		System.out.printf(Locale.ROOT, "| Fila throughput, 10,000 keys (msg/s, median of %d) | %,.0f | | %.2fx of 10 keys |%n",
				KEY_ROUNDS, median(manyKeys), median(manyKeys) / median(tenKeys));
		System.out.printf(Locale.ROOT, "key-count rounds (msg/s): 10 keys %s, 10,000 keys %s%n", rounded(tenKeys),
				rounded(manyKeys));
	}

	/** Only the paced latency at 1,000 msg/s, Fila then raw: p50, p99 and p99.9. */
	private void latencyOnly() throws Exception {
		long[] fila = filaLatency(Duration.ofSeconds(10)).endToEnd();
		long[] raw = rawLatency(Duration.ofSeconds(10));
		System.out.printf(Locale.ROOT, "latency at 1,000 msg/s (ms): fila p50 %.3f p99 %.3f p99.9 %.3f; raw p50 %.3f p99 %.3f"
				+ " p99.9 %.3f%n", percentile(fila, 50), percentile(fila, 99), percentile(fila, 99.9), percentile(raw, 50),
				percentile(raw, 99), percentile(raw, 99.9));
	}

	/**
	 * The single node, the cluster, the cluster with {@code wait-replicas: 1}: enqueue-to-handler
	 * latency and the enqueue call's own latency at 1,000 msg/s (one message per call), then
	 * throughput (median of 3 alternating rounds after a warm-up).
	 */
	private static void compareWithCluster(int messages) throws Exception {
		List<RedisBenchmark> targets = List.of(singleNode(), cluster(0), cluster(1));
		List<String> names = List.of("single node (6379)", "Redis Cluster 3+3", "Redis Cluster 3+3, wait-replicas 1");
		System.out.printf("Redis single node vs cluster: %,d messages of %d bytes, %d consumers, prefetch %d, "
				+ "batches of %d, 10 keys%n%n", messages, PAYLOAD_BYTES, CONSUMERS, PREFETCH, BATCH);
		try {
			// Latency first: the throughput rounds write enough to set off the cluster nodes' AOF
			// rewrites (a fork and a burst of disk writes each), which slow everything on this box.
			List<Latencies> latencies = new ArrayList<>();
			for (RedisBenchmark target : targets) {
				latencies.add(target.filaLatency(Duration.ofSeconds(10)));
			}
			List<List<Double>> rates = new ArrayList<>();
			for (RedisBenchmark target : targets) {
				target.filaThroughput(messages / 5, 10);
				rates.add(new ArrayList<>());
			}
			for (int round = 0; round < 3; round++) {
				for (int t = 0; t < targets.size(); t++) {
					rates.get(t).add(targets.get(t).filaThroughput(messages, 10));
				}
			}
			System.out.println("| target | throughput (msg/s, median of 3) | rounds | p50 / p99 end to end at 1,000 msg/s (ms)"
					+ " | p50 / p99 enqueue call (ms) |");
			System.out.println("|---|---|---|---|---|");
			for (int t = 0; t < targets.size(); t++) {
				Latencies latency = latencies.get(t);
				System.out.printf(Locale.ROOT, "| %s | %,.0f | %s | %.3f / %.3f | %.3f / %.3f |%n", names.get(t),
						median(rates.get(t)), rounded(rates.get(t)), percentile(latency.endToEnd(), 50),
						percentile(latency.endToEnd(), 99), percentile(latency.enqueueCalls(), 50),
						percentile(latency.enqueueCalls(), 99));
			}
		}
		finally {
			targets.forEach(RedisBenchmark::close);
		}
	}

	/**
	 * Idle consumers, then wake-up latency. Prints the key prefix and waits 12 s with
	 * {@code consumers} idle consumers (each on its own queue) so that their Redis commands can
	 * be counted from outside ({@code redis-cli monitor | grep -c <prefix>} for 10 s); then
	 * sends 20 messages 200 ms apart to one idle consumer and reports enqueue-to-handler times.
	 */
	private void idle(int consumers) throws Exception {
		RedisDriver driver = driver();
		List<FilaListenerContainer> containers = new ArrayList<>();
		LatencyRecorder recorder = new LatencyRecorder(0);
		List<String> queues = new ArrayList<>();
		for (int i = 0; i < consumers; i++) {
			String queue = "idle-" + i;
			queues.add(queue);
			containers.add(consumer(driver, queue, recorder::record));
		}
		containers.forEach(FilaListenerContainer::start);
		Thread.sleep(1000);
		System.out.printf("IDLE prefix=%s consumers=%d (concurrency %d, prefetch %d): count for 10 s now%n",
				this.prefix, consumers, CONSUMERS, PREFETCH);
		Thread.sleep(12_000);
		for (int i = 0; i < 20; i++) {
			driver.enqueue(queues.get(0), List.of(new OutgoingMessage(Map.of(), payload(System.nanoTime()),
					new Scheduling("tenant", 1, List.of()))));
			Thread.sleep(200);
		}
		long[] wakeUps = recorder.latencies();
		System.out.printf(Locale.ROOT, "wake-up of an idle consumer (ms, %d messages 200 ms apart): p50 %.3f, max %.3f%n",
				wakeUps.length, percentile(wakeUps, 50), percentile(wakeUps, 100));
		containers.forEach(FilaListenerContainer::stop);
		for (String queue : queues) {
			driver.deleteQueue(queue);
			driver.deleteQueue(queue + ".dlq");
		}
		driver.close();
	}

	private static byte[] payload(long sentNanos) {
		byte[] payload = new byte[PAYLOAD_BYTES];
		ByteBuffer.wrap(payload).putLong(sentNanos);
		return payload;
	}

	private RedisDriver driver() {
		return new RedisDriver("redis", this.connectionFactory,
				RedisDriverOptions.DEFAULTS.withKeyPrefix(this.prefix).withWaitReplicas(this.waitReplicas),
				MessageLimits.DEFAULTS);
	}

	private FilaListenerContainer consumer(RedisDriver driver, String queue, Handler handler) {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("redis", driver), "redis"),
				Map.of(queue, new QueueDefinition(queue, null, Duration.ofSeconds(30), 1, true, RetryPolicy.DEFAULT, null,
						null)),
				new DefaultQueuePolicyFactory());
		queues.createDeclaredQueues();
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		return factory.create(new FilaListenerEndpoint("bench-" + queue,
				new ConsumerConfig(queue, CONSUMERS, PREFETCH, true, Duration.ofSeconds(10)), "benchmark",
				(message, ack) -> handler.handle(message.payload())));
	}

	double filaThroughput(int messages, int keys) throws Exception {
		String queue = "throughput-" + UUID.randomUUID();
		RedisDriver driver = driver();
		CountDownLatch done = new CountDownLatch(messages);
		FilaListenerContainer container = consumer(driver, queue, (payload) -> done.countDown());
		container.start();
		long start = System.nanoTime();
		byte[] payload = payload(0);
		if (AGING_MILLIS > 0) {
			driver.applyFlow(queue, QueueFlow.NONE.withPriorityAging(AGING_MILLIS));
		}
		DriverBatches.enqueue(driver, queue, messages, BATCH, (i) -> new OutgoingMessage(Map.of(), payload,
				new Scheduling("tenant-" + (i % keys), 1, List.of(), (i / keys) % LEVELS)));
		done.await(10, TimeUnit.MINUTES);
		double rate = messages * 1e9 / (System.nanoTime() - start);
		container.stop();
		driver.deleteQueue(queue);
		driver.deleteQueue(queue + ".dlq");
		driver.close();
		return rate;
	}

	double rawThroughput(int messages) throws Exception {
		byte[] list = (this.prefix + ":raw:" + UUID.randomUUID()).getBytes();
		byte[] processing = (this.prefix + ":raw-processing:" + UUID.randomUUID()).getBytes();
		CountDownLatch done = new CountDownLatch(messages);
		AtomicBoolean running = new AtomicBoolean(true);
		List<Thread> consumers = rawConsumers(list, processing, running, (payload) -> done.countDown());
		long start = System.nanoTime();
		try (StatefulRedisConnection<byte[], byte[]> producer = this.client.connect(ByteArrayCodec.INSTANCE)) {
			RedisCommands<byte[], byte[]> commands = producer.sync();
			byte[][] batch = new byte[BATCH][];
			byte[] payload = payload(0);
			for (int i = 0; i < messages; i += BATCH) {
				int size = Math.min(BATCH, messages - i);
				Arrays.fill(batch, 0, size, payload);
				commands.lpush(list, (size == BATCH) ? batch : Arrays.copyOf(batch, size));
			}
		}
		done.await(10, TimeUnit.MINUTES);
		double rate = messages * 1e9 / (System.nanoTime() - start);
		running.set(false);
		for (Thread consumer : consumers) {
			consumer.join();
		}
		return rate;
	}

	private List<Thread> rawConsumers(byte[] list, byte[] processing, AtomicBoolean running, Handler handler) {
		List<Thread> consumers = new ArrayList<>();
		for (int c = 0; c < CONSUMERS; c++) {
			Thread consumer = new Thread(() -> {
				try (StatefulRedisConnection<byte[], byte[]> connection = this.client.connect(ByteArrayCodec.INSTANCE)) {
					RedisCommands<byte[], byte[]> commands = connection.sync();
					while (running.get()) {
						byte[] message = commands.blmove(list, processing, LMoveArgs.Builder.rightLeft(), 0.2);
						if (message != null) {
							handler.handle(message);
							commands.lrem(processing, 1, message);
						}
					}
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			}, "raw-consumer-" + c);
			consumer.start();
			consumers.add(consumer);
		}
		return consumers;
	}

	/**
	 * @param endToEnd enqueue-to-handler times, sorted
	 * @param enqueueCalls how long each enqueue call took, sorted
	 */
	private record Latencies(long[] endToEnd, long[] enqueueCalls) {
	}

	private Latencies filaLatency(Duration duration) throws Exception {
		String queue = "latency-" + UUID.randomUUID();
		RedisDriver driver = driver();
		LatencyRecorder recorder = new LatencyRecorder();
		long[] calls = new long[(int) duration.toMillis()];
		FilaListenerContainer container = consumer(driver, queue, recorder::record);
		container.start();
		pace(duration, (i) -> {
			long start = System.nanoTime();
			driver.enqueue(queue, List.of(new OutgoingMessage(Map.of(), payload(start),
					new Scheduling("tenant-" + (i % 10), 1, List.of()))));
			if (i >= LATENCY_WARMUP_MS && i - LATENCY_WARMUP_MS < calls.length) {
				calls[(int) (i - LATENCY_WARMUP_MS)] = System.nanoTime() - start;
			}
		});
		Thread.sleep(500);
		container.stop();
		driver.deleteQueue(queue);
		driver.deleteQueue(queue + ".dlq");
		driver.close();
		Arrays.sort(calls);
		return new Latencies(recorder.latencies(), calls);
	}

	private long[] rawLatency(Duration duration) throws Exception {
		byte[] list = (this.prefix + ":raw-latency").getBytes();
		byte[] processing = (this.prefix + ":raw-latency-processing").getBytes();
		LatencyRecorder recorder = new LatencyRecorder();
		AtomicBoolean running = new AtomicBoolean(true);
		List<Thread> consumers = rawConsumers(list, processing, running, recorder::record);
		try (StatefulRedisConnection<byte[], byte[]> producer = this.client.connect(ByteArrayCodec.INSTANCE)) {
			RedisCommands<byte[], byte[]> commands = producer.sync();
			pace(duration, (i) -> commands.lpush(list, payload(System.nanoTime())));
		}
		Thread.sleep(500);
		running.set(false);
		for (Thread consumer : consumers) {
			consumer.join();
		}
		return recorder.latencies();
	}

	/** Sends one message per millisecond on an absolute schedule, after the warm-up. */
	private static void pace(Duration duration, Sender sender) throws Exception {
		long period = TimeUnit.MILLISECONDS.toNanos(1);
		long total = LATENCY_WARMUP_MS + duration.toMillis();
		long start = System.nanoTime();
		for (long i = 0; i < total; i++) {
			long due = start + i * period;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			sender.send(i);
		}
	}

	private static double percentile(long[] sorted, double percentile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
	}

	private static List<Long> rounded(List<Double> rates) {
		return rates.stream().map(Math::round).toList();
	}

	private static List<String> ratios(List<Double> fila, List<Double> raw) {
		List<String> ratios = new ArrayList<>();
		for (int i = 0; i < fila.size(); i++) {
			ratios.add(String.format(Locale.ROOT, "%.2f", fila.get(i) / raw.get(i)));
		}
		return ratios;
	}

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(Double::compare);
		return sorted.get(sorted.size() / 2);
	}

	private void close() {
		try (var connection = this.connectionFactory.getConnection()) {
			var keys = connection.keyCommands().keys((this.prefix + ":*").getBytes());
			if (keys != null && !keys.isEmpty()) {
				connection.keyCommands().del(keys.toArray(new byte[0][]));
			}
		}
		this.connectionFactory.destroy();
		this.client.shutdown();
	}

	@FunctionalInterface
	private interface Handler {

		void handle(byte[] payload) throws Exception;

	}

	@FunctionalInterface
	private interface Sender {

		void send(long index) throws Exception;

	}

	/** Records enqueue-to-handler latency after the warm-up (the first 2,000 messages by default). */
	private static final class LatencyRecorder {

		private final AtomicLong seen = new AtomicLong();

		private final long warmup;

		LatencyRecorder() {
			this(LATENCY_WARMUP_MS);
		}

		LatencyRecorder(long warmup) {
			this.warmup = warmup;
		}

		private final List<Long> latencies = new ArrayList<>();

		void record(byte[] payload) {
			long latency = System.nanoTime() - ByteBuffer.wrap(payload).getLong();
			if (this.seen.incrementAndGet() > this.warmup) {
				synchronized (this.latencies) {
					this.latencies.add(latency);
				}
			}
		}

		long[] latencies() {
			synchronized (this.latencies) {
				return this.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
			}
		}

	}

}
