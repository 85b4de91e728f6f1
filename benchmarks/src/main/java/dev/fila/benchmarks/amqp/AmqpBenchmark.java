package dev.fila.benchmarks.amqp;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

/**
 * The AMQP driver end to end (batch enqueue with publisher confirms, a Fila consumer with
 * concurrency 4 and prefetch 10, ack after the handler) side by side with plain spring-amqp
 * ({@code RabbitTemplate} publishing the same batches with publisher confirms, a
 * {@code SimpleMessageListenerContainer} with 4 consumers, prefetch 10, ack after the listener
 * returns), same payload, same RabbitMQ, in one run. Then paced latency at 1,000 msg/s, and
 * Fila throughput with 10,000 fairness keys, cold (every key used for the first time) and warm
 * (the same keys again).
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.amqp.AmqpBenchmark [messages [all|throughput|keys]]}:
 * {@code throughput} runs only five alternating throughput rounds, {@code keys} only the 10
 * and 10,000-key runs.
 * <p>
 * With {@code --cluster [messages]}: the Fila driver on the single node next to the 3-node
 * cluster of {@code scripts/clusters.sh} (127.0.0.1:5681-5683), with classic queues and with
 * {@code quorum: true} (16 key shards), in one run: throughput rounds alternate between the
 * three, then paced latency.
 * <p>
 * {@code -Dfila.bench.priority-queues=true} declares the key queues as RabbitMQ priority queues
 * ({@code priority-queues: true}).
 */
public final class AmqpBenchmark {

	private static final int PAYLOAD_BYTES = 256;

	private static final int CONSUMERS = 4;

	private static final int PREFETCH = 10;

	private static final int BATCH = 100;

	private final String prefix = "fila-bench-" + UUID.randomUUID().toString().substring(0, 8);

	private static final String SINGLE_NODE = "127.0.0.1:5672";

	private static final String CLUSTER = "127.0.0.1:5681,127.0.0.1:5682,127.0.0.1:5683";

	private final boolean quorum;

	private final CachingConnectionFactory connectionFactory;

	/** The baseline's own factory: spring-amqp needs the confirm type set on the factory. */
	private final CachingConnectionFactory confirmingFactory;

	private AmqpBenchmark(String addresses, boolean quorum) {
		this.quorum = quorum;
		this.connectionFactory = connectionFactory(addresses, CachingConnectionFactory.ConfirmType.NONE);
		this.confirmingFactory = connectionFactory(addresses, CachingConnectionFactory.ConfirmType.SIMPLE);
	}

	private static CachingConnectionFactory connectionFactory(String addresses,
			CachingConnectionFactory.ConfirmType confirmType) {
		CachingConnectionFactory factory = new CachingConnectionFactory();
		factory.setAddresses(addresses);
		factory.setUsername("guest");
		factory.setPassword("guest");
		factory.setPublisherConfirmType(confirmType);
		factory.setChannelCacheSize(25);
		return factory;
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("--cluster")) {
			compareWithCluster((args.length > 1) ? Integer.parseInt(args[1]) : 20_000);
			System.exit(0);
		}
		int messages = (args.length > 0) ? Integer.parseInt(args[0]) : 50_000;
		String only = (args.length > 1) ? args[1] : "all";
		AmqpBenchmark benchmark = new AmqpBenchmark(SINGLE_NODE, false);
		try {
			switch (only) {
				case "throughput" -> benchmark.throughput(messages, 5);
				case "keys" -> benchmark.manyKeys(messages);
				default -> benchmark.run(messages);
			}
		}
		finally {
			benchmark.close();
		}
		System.exit(0);
	}

	private void run(int messages) throws Exception {
		double filaRate = throughput(messages, 3);
		long[] filaLatency = filaLatency(Duration.ofSeconds(10));
		long[] springLatency = springLatency(Duration.ofSeconds(10));
		System.out.printf(Locale.ROOT, "| p50 latency at 1,000 msg/s (ms) | %.3f | %.3f | |%n",
				percentile(filaLatency, 50), percentile(springLatency, 50));
		System.out.printf(Locale.ROOT, "| p99 latency at 1,000 msg/s (ms) | %.3f | %.3f | |%n",
				percentile(filaLatency, 99), percentile(springLatency, 99));
		List<Double> manyKeys = filaThroughput(messages, 10_000, 2);
		System.out.printf(Locale.ROOT, "| Fila throughput, 10,000 keys, cold (msg/s) | %,.0f | | %.2fx of 10 keys |%n",
				manyKeys.get(0), manyKeys.get(0) / filaRate);
		System.out.printf(Locale.ROOT, "| Fila throughput, 10,000 keys, warm (msg/s) | %,.0f | | %.2fx of 10 keys |%n",
				manyKeys.get(1), manyKeys.get(1) / filaRate);
	}

	/**
	 * The single node, the cluster with classic queues, the cluster with quorum queues: Fila's
	 * enqueue-to-handler latency at 1,000 msg/s, then throughput (median of 3 alternating rounds
	 * after a warm-up).
	 */
	private static void compareWithCluster(int messages) throws Exception {
		List<AmqpBenchmark> targets = List.of(new AmqpBenchmark(SINGLE_NODE, false), new AmqpBenchmark(CLUSTER, false),
				new AmqpBenchmark(CLUSTER, true));
		List<String> names = List.of("single node (5672), classic queues", "3-node cluster, classic queues",
				"3-node cluster, quorum: true (16 key shards)");
		System.out.printf("AMQP single node vs cluster: %,d messages of %d bytes, %d consumers, prefetch %d, "
				+ "batches of %d, 10 keys%n%n", messages, PAYLOAD_BYTES, CONSUMERS, PREFETCH, BATCH);
		try {
			List<long[]> latencies = new ArrayList<>();
			for (AmqpBenchmark target : targets) {
				latencies.add(target.filaLatency(Duration.ofSeconds(10)));
			}
			List<List<Double>> rates = new ArrayList<>();
			for (AmqpBenchmark target : targets) {
				target.filaThroughput(messages / 5, 10, 1);
				rates.add(new ArrayList<>());
			}
			for (int round = 0; round < 3; round++) {
				for (int t = 0; t < targets.size(); t++) {
					rates.get(t).add(targets.get(t).filaThroughput(messages, 10, 1).get(0));
				}
			}
			System.out.println("| target | throughput (msg/s, median of 3) | rounds | p50 / p99 end to end at 1,000 msg/s (ms) |");
			System.out.println("|---|---|---|---|");
			for (int t = 0; t < targets.size(); t++) {
				System.out.printf(Locale.ROOT, "| %s | %,.0f | %s | %.3f / %.3f |%n", names.get(t), median(rates.get(t)),
						rounds(rates.get(t)), percentile(latencies.get(t), 50), percentile(latencies.get(t), 99));
			}
		}
		finally {
			targets.forEach(AmqpBenchmark::close);
		}
	}

	/** Alternating rounds of Fila and plain spring-amqp after two full warm-up rounds of each; returns Fila's median. */
	private double throughput(int messages, int rounds) throws Exception {
		System.out.printf("AMQP benchmark: %,d messages of %d bytes, %d consumers, prefetch %d, batches of %d%n%n",
				messages, PAYLOAD_BYTES, CONSUMERS, PREFETCH, BATCH);
		// Two full warm-up rounds each: the JIT compiles Fila's longer paths later than
		// spring-amqp's, and the first rounds measured that rather than the steady state.
		for (int warmup = 0; warmup < 2; warmup++) {
			filaThroughput(messages, 10, 1);
			springThroughput(messages);
		}
		List<Double> fila = new ArrayList<>();
		List<Double> spring = new ArrayList<>();
		List<Double> ratios = new ArrayList<>();
		for (int round = 0; round < rounds; round++) {
			fila.add(filaThroughput(messages, 10, 1).get(0));
			spring.add(springThroughput(messages));
			ratios.add(fila.get(round) / spring.get(round));
		}
		double filaRate = median(fila);
		double springRate = median(spring);
		System.out.println("| measure | Fila AMQP driver | plain spring-amqp | ratio |");
		System.out.println("|---|---|---|---|");
		System.out.printf(Locale.ROOT, "| end-to-end throughput, 10 keys (msg/s, median of %d) | %,.0f | %,.0f | %.2fx |%n",
				rounds, filaRate, springRate, filaRate / springRate);
		System.out.printf(Locale.ROOT, "| (rounds) | %s | %s | %s |%n", rounds(fila), rounds(spring),
				String.join(" / ", ratios.stream().map((ratio) -> String.format(Locale.ROOT, "%.2f", ratio)).toList()));
		return filaRate;
	}

	/** 10 keys, then 10,000 keys cold (first use of every key) and warm (the same keys again). */
	private void manyKeys(int messages) throws Exception {
		double tenKeys = filaThroughput(messages, 10, 2).get(1);
		List<Double> manyKeys = filaThroughput(messages, 10_000, 2);
		System.out.printf(Locale.ROOT, "| Fila throughput, 10 keys, warm (msg/s) | %,.0f |%n", tenKeys);
		System.out.printf(Locale.ROOT, "| Fila throughput, 10,000 keys, cold (msg/s) | %,.0f |%n", manyKeys.get(0));
		System.out.printf(Locale.ROOT, "| Fila throughput, 10,000 keys, warm (msg/s) | %,.0f |%n", manyKeys.get(1));
	}

	private static String rounds(List<Double> rates) {
		List<String> formatted = new ArrayList<>();
		rates.forEach((rate) -> formatted.add(String.format(Locale.ROOT, "%,.0f", rate)));
		return String.join(" / ", formatted);
	}

	private static byte[] payload(long sentNanos) {
		byte[] payload = new byte[PAYLOAD_BYTES];
		ByteBuffer.wrap(payload).putLong(sentNanos);
		return payload;
	}

	private AmqpDriver driver() {
		AmqpDriverOptions defaults = AmqpDriverOptions.DEFAULTS;
		return new AmqpDriver("amqp", this.connectionFactory, new AmqpDriverOptions(this.prefix, this.quorum,
				defaults.keyPrefetch(), defaults.prefetchBudget(), defaults.keyLogMaxBytes(),
				defaults.sessionIdleTimeout(), AmqpDriverOptions.defaultKeyShards(this.quorum), defaults.keyIdleExpiry(),
				Boolean.getBoolean("fila.bench.priority-queues")));
	}

	/** A Fila consumer of the benchmark's shape: {@value #CONSUMERS} workers, prefetch {@value #PREFETCH}. */
	static FilaListenerContainer consumer(AmqpDriver driver, String queue, Handler handler) {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("amqp", driver), "amqp"),
				Map.of(queue, new QueueDefinition(queue, null, Duration.ofSeconds(30), 1, true, RetryPolicy.DEFAULT, null,
						null)),
				new DefaultQueuePolicyFactory());
		queues.createDeclaredQueues();
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		return factory.create(new FilaListenerEndpoint("bench-" + queue,
				new ConsumerConfig(queue, CONSUMERS, PREFETCH, true, Duration.ofSeconds(10)), "benchmark",
				(message, ack) -> handler.handle(message.payload())));
	}

	/**
	 * Fila end to end: one driver, queue and consumer for all passes, so the first pass pays for
	 * every key's first use (cold) and later passes reuse the declared and consumed key queues (warm).
	 * @return the rate of each pass
	 */
	private List<Double> filaThroughput(int messages, int keys, int passes) throws Exception {
		String queue = "throughput-" + UUID.randomUUID();
		AmqpDriver driver = driver();
		AtomicReference<CountDownLatch> done = new AtomicReference<>();
		FilaListenerContainer container = consumer(driver, queue, (payload) -> done.get().countDown());
		container.start();
		List<Double> rates = new ArrayList<>();
		byte[] payload = payload(0);
		for (int pass = 0; pass < passes; pass++) {
			done.set(new CountDownLatch(messages));
			long start = System.nanoTime();
			DriverBatches.enqueue(driver, queue, messages, BATCH,
					(i) -> new OutgoingMessage(Map.of(), payload, new Scheduling("tenant-" + (i % keys), 1, List.of())));
			done.get().await(10, TimeUnit.MINUTES);
			rates.add(messages * 1e9 / (System.nanoTime() - start));
		}
		container.stop();
		driver.deleteQueue(queue);
		driver.deleteQueue(queue + ".dlq");
		driver.close();
		return rates;
	}

	private SimpleMessageListenerContainer springConsumer(String queue, Handler handler) {
		SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(this.connectionFactory);
		container.setQueueNames(queue);
		container.setConcurrentConsumers(CONSUMERS);
		container.setPrefetchCount(PREFETCH);
		container.setAcknowledgeMode(AcknowledgeMode.AUTO);
		container.setMessageListener((Message message) -> {
			try {
				handler.handle(message.getBody());
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		container.afterPropertiesSet();
		return container;
	}

	private String springQueue() {
		String queue = this.prefix + ".spring." + UUID.randomUUID();
		new RabbitAdmin(this.connectionFactory)
			.declareQueue(new org.springframework.amqp.core.Queue(queue, true, false, false));
		return queue;
	}

	private double springThroughput(int messages) throws Exception {
		String queue = springQueue();
		CountDownLatch done = new CountDownLatch(messages);
		SimpleMessageListenerContainer container = springConsumer(queue, (payload) -> done.countDown());
		container.start();
		RabbitTemplate template = new RabbitTemplate(this.confirmingFactory);
		template.setMandatory(true);
		long start = System.nanoTime();
		byte[] payload = payload(0);
		for (int i = 0; i < messages; i += BATCH) {
			int size = Math.min(BATCH, messages - i);
			template.invoke((operations) -> {
				for (int m = 0; m < size; m++) {
					operations.send("", queue, new Message(payload, new MessageProperties()));
				}
				operations.waitForConfirmsOrDie(10_000);
				return null;
			});
		}
		done.await(10, TimeUnit.MINUTES);
		double rate = messages * 1e9 / (System.nanoTime() - start);
		container.stop();
		new RabbitAdmin(this.connectionFactory).deleteQueue(queue);
		return rate;
	}

	private long[] filaLatency(Duration duration) throws Exception {
		String queue = "latency-" + UUID.randomUUID();
		AmqpDriver driver = driver();
		LatencyRecorder recorder = new LatencyRecorder();
		FilaListenerContainer container = consumer(driver, queue, recorder::record);
		container.start();
		pace(duration, (i) -> driver.enqueue(queue, List.of(new OutgoingMessage(Map.of(), payload(System.nanoTime()),
				new Scheduling("tenant-" + (i % 10), 1, List.of())))));
		Thread.sleep(500);
		container.stop();
		driver.deleteQueue(queue);
		driver.deleteQueue(queue + ".dlq");
		driver.close();
		return recorder.latencies();
	}

	private long[] springLatency(Duration duration) throws Exception {
		String queue = springQueue();
		LatencyRecorder recorder = new LatencyRecorder();
		SimpleMessageListenerContainer container = springConsumer(queue, recorder::record);
		container.start();
		RabbitTemplate template = new RabbitTemplate(this.confirmingFactory);
		template.setMandatory(true);
		pace(duration, (i) -> template.invoke((operations) -> {
			operations.send("", queue, new Message(payload(System.nanoTime()), new MessageProperties()));
			operations.waitForConfirmsOrDie(10_000);
			return null;
		}));
		Thread.sleep(500);
		container.stop();
		new RabbitAdmin(this.connectionFactory).deleteQueue(queue);
		return recorder.latencies();
	}

	/** Sends one message per millisecond on an absolute schedule, after a 2 s warm-up. */
	private static void pace(Duration duration, Sender sender) throws Exception {
		long period = TimeUnit.MILLISECONDS.toNanos(1);
		long total = 2000 + duration.toMillis();
		long start = System.nanoTime();
		for (long i = 0; i < total; i++) {
			long wait = start + i * period - System.nanoTime();
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

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(Double::compare);
		return sorted.get(sorted.size() / 2);
	}

	private void close() {
		try (var connection = this.connectionFactory.createConnection()) {
			var channel = connection.createChannel(false);
			channel.queueDelete(this.prefix + ":keys"); // the key log, see AmqpNames
			channel.close();
		}
		catch (Exception ex) {
			System.err.println("Could not delete the key log: " + ex);
		}
		this.connectionFactory.destroy();
		this.confirmingFactory.destroy();
	}

	@FunctionalInterface
	interface Handler {

		void handle(byte[] payload) throws Exception;

	}

	@FunctionalInterface
	private interface Sender {

		void send(long index) throws Exception;

	}

	/** Records enqueue-to-handler latency after the warm-up (the first 2,000 messages). */
	private static final class LatencyRecorder {

		private final AtomicLong seen = new AtomicLong();

		private final List<Long> latencies = new ArrayList<>();

		void record(byte[] payload) {
			long latency = System.nanoTime() - ByteBuffer.wrap(payload).getLong();
			if (this.seen.incrementAndGet() > 2000) {
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
