package dev.fila.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import tools.jackson.databind.json.JsonMapper;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.core.FilaHeaders;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.core.FilaTimeoutException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

/**
 * A churn soak, not a test: many request-replies (each a temporary reply queue) between two
 * driver instances sharing one backend, then many distinct fairness keys used once each,
 * printing the heap used after a full GC, and on Redis {@code used_memory} and the number of
 * keys under the run's prefix, before and after each phase. Memory that grows with the
 * number of requests or keys shows up as a difference that grows with {@code --requests} or
 * {@code --keys}.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.ChurnSoak
 * --driver=redis|amqp|memory [--requests=100000] [--keys=100000] [--threads=8] [--minutes=10] [--settle=0]}
 * <p>
 * Redis on 127.0.0.1:6379, RabbitMQ on 127.0.0.1:5672 (guest/guest). On AMQP the keys phase runs
 * with {@code key-shards} 16 (a queue per key would make as many RabbitMQ queues); RabbitMQ
 * queues under the prefix are counted with {@code rabbitmqctl} where it can be run. The
 * request-replies stop at three quarters of {@code --minutes}, the keys at the end of it, and
 * say how far they got. {@code --settle=N} waits N idle minutes after the keys and measures again.
 */
public final class ChurnSoak {

	private final String driverType;

	private final int requests;

	private final int keys;

	private final int threads;

	private final long budgetNanos;

	private final int settleMinutes;

	private final long started = System.nanoTime();

	private final String prefix = "fila-soak-" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory redis;

	private CachingConnectionFactory rabbit;

	private ChurnSoak(Map<String, String> args) {
		this.driverType = args.getOrDefault("driver", "memory");
		this.requests = Integer.parseInt(args.getOrDefault("requests", "100000"));
		this.keys = Integer.parseInt(args.getOrDefault("keys", "100000"));
		this.threads = Integer.parseInt(args.getOrDefault("threads", "8"));
		this.budgetNanos = TimeUnit.MINUTES.toNanos(Long.parseLong(args.getOrDefault("minutes", "10")));
		this.settleMinutes = Integer.parseInt(args.getOrDefault("settle", "0"));
	}

	public static void main(String[] arguments) throws Exception {
		Map<String, String> args = new HashMap<>();
		for (String argument : arguments) {
			if (argument.equals("--help")) {
				System.out.println("ChurnSoak --driver=redis|amqp|memory [--requests=100000] [--keys=100000] "
						+ "[--threads=8] [--minutes=10] [--settle=0]");
				return;
			}
			String[] pair = argument.replaceFirst("^--", "").split("=", 2);
			args.put(pair[0], (pair.length > 1) ? pair[1] : "true");
		}
		new ChurnSoak(args).run();
		System.exit(0);
	}

	private void run() throws Exception {
		System.out.printf("Churn soak on %s, prefix %s: %,d request-replies (%d requesters), %,d distinct keys; "
				+ "%d CPUs, max heap %d MiB, %s %s%n", this.driverType, this.prefix, this.requests, this.threads,
				this.keys, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
				System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"));
		try {
			FilaDriver requester = driver(0);
			FilaDriver responder = this.driverType.equals("memory") ? requester : driver(0);
			requester.createQueue(new QueueSpec("rpc", Duration.ofSeconds(30), 1, false));
			requestReplies(requester, responder, 500, Long.MAX_VALUE);
			Snapshot before = snapshot("before request-replies");
			long start = System.nanoTime();
			int done = requestReplies(requester, responder, this.requests, this.budgetNanos * 3 / 4);
			double seconds = (System.nanoTime() - start) / 1e9;
			System.out.printf("%,d request-replies in %.1f s (%.0f/s)%n", done, seconds, done / seconds);
			Snapshot after = snapshot("after request-replies");
			after.compare(before);
			requester.deleteQueue("rpc");
			closeQuietly(responder);
			if (responder != requester) {
				closeQuietly(requester);
			}

			FilaDriver keyed = driver(16);
			keyed.createQueue(new QueueSpec("tenants", Duration.ofSeconds(30), 1, false));
			distinctKeys(keyed, "warm-", 500, Long.MAX_VALUE);
			before = snapshot("before distinct keys");
			start = System.nanoTime();
			done = distinctKeys(keyed, "tenant-", this.keys, this.budgetNanos - (System.nanoTime() - this.started));
			seconds = (System.nanoTime() - start) / 1e9;
			System.out.printf("%,d distinct keys enqueued, fetched and acked in %.1f s (%.0f/s)%n", done, seconds,
					done / seconds);
			after = snapshot("after distinct keys");
			after.compare(before);
			if (this.settleMinutes > 0) {
				// Idle state that is forgotten after a while (AMQP producers: 10 minutes) goes here.
				Thread.sleep(TimeUnit.MINUTES.toMillis(this.settleMinutes));
				Snapshot settled = snapshot("after " + this.settleMinutes + " idle minutes");
				settled.compare(before);
			}
			keyed.deleteQueue("tenants");
			closeQuietly(keyed);
		}
		finally {
			cleanUp();
		}
	}

	private FilaDriver driver(int keyShards) {
		return switch (this.driverType) {
			case "memory" -> new MemoryDriver("memory");
			case "redis" -> new RedisDriver("redis", redis(), this.prefix);
			case "amqp" -> {
				AmqpDriverOptions defaults = AmqpDriverOptions.DEFAULTS;
				yield new AmqpDriver("amqp", rabbit(), new AmqpDriverOptions(this.prefix + ((keyShards > 0) ? "-s" : ""),
						false, defaults.keyPrefetch(), defaults.prefetchBudget(), defaults.keyLogMaxBytes(),
						defaults.sessionIdleTimeout(), keyShards, defaults.keyIdleExpiry()));
			}
			default -> throw new IllegalArgumentException("Unknown driver " + this.driverType);
		};
	}

	private LettuceConnectionFactory redis() {
		if (this.redis == null) {
			this.redis = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
			this.redis.afterPropertiesSet();
			this.redis.start();
		}
		return this.redis;
	}

	private CachingConnectionFactory rabbit() {
		if (this.rabbit == null) {
			this.rabbit = new CachingConnectionFactory("127.0.0.1", 5672);
			this.rabbit.setUsername("guest");
			this.rabbit.setPassword("guest");
		}
		return this.rabbit;
	}

	private int requestReplies(FilaDriver requester, FilaDriver responder, int count, long budgetNanos)
			throws Exception {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of(requester.name(), requester), requester.name()),
				Map.of("rpc", new QueueDefinition("rpc", null, Duration.ofSeconds(30), 1, false,
						new RetryPolicy(1, Duration.ofMillis(100), 1, Duration.ofMillis(100)), null, null)),
				new DefaultQueuePolicyFactory());
		FilaTemplate template = new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
		long deadline = System.nanoTime() + Math.min(budgetNanos, Long.MAX_VALUE / 2);
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicInteger issued = new AtomicInteger();
		AtomicInteger replied = new AtomicInteger();
		AtomicInteger timedOut = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(this.threads + 2);
		try {
			List<Future<?>> responders = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				responders.add(pool.submit(() -> respond(responder, running)));
			}
			List<Future<?>> requesters = new ArrayList<>();
			int step = Math.max(1, count / 10);
			for (int t = 0; t < this.threads; t++) {
				requesters.add(pool.submit(() -> {
					while (issued.incrementAndGet() <= count && System.nanoTime() < deadline) {
						try {
							template.request("rpc", Map.of(), "ping", String.class, Duration.ofSeconds(30));
							int done = replied.incrementAndGet();
							if (count >= 10_000 && done % step == 0) {
								System.out.printf("  %,d request-replies%n", done);
							}
						}
						catch (FilaTimeoutException ex) {
							timedOut.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (Future<?> future : requesters) {
				future.get();
			}
			running.set(false);
			for (Future<?> future : responders) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			running.set(false);
			pool.shutdownNow();
		}
		if (timedOut.get() > 0) {
			System.out.printf("  %,d requests timed out%n", timedOut.get());
		}
		if (replied.get() < count) {
			System.out.printf("  stopped at the time budget after %,d of %,d request-replies%n", replied.get(), count);
		}
		return replied.get();
	}

	private static Void respond(FilaDriver driver, AtomicBoolean running) throws InterruptedException {
		byte[] pong = "pong".getBytes(StandardCharsets.UTF_8);
		while (running.get()) {
			List<LeasedMessage> requests = driver.fetch("rpc", 20, Duration.ofMillis(100));
			for (LeasedMessage request : requests) {
				try {
					driver.enqueue(request.headers().get(FilaHeaders.REPLY_TO), List.of(new OutgoingMessage(
							Map.of(FilaHeaders.CORRELATION_ID, request.headers().get(FilaHeaders.CORRELATION_ID)), pong,
							Scheduling.DEFAULT)));
				}
				catch (RuntimeException ex) {
					// The requester gave up: its reply queue is gone.
				}
			}
			if (!requests.isEmpty()) {
				driver.ackAll(requests);
			}
		}
		return null;
	}

	/** Enqueues, fetches and acks one message per key, in rounds of 1,000 keys. */
	private static int distinctKeys(FilaDriver driver, String keyPrefix, int count, long budgetNanos)
			throws InterruptedException {
		long deadline = System.nanoTime() + Math.min(budgetNanos, Long.MAX_VALUE / 2);
		byte[] payload = "x".getBytes(StandardCharsets.UTF_8);
		int acked = 0;
		int step = Math.max(1, count / 10);
		for (int first = 0; first < count && System.nanoTime() < deadline; first += 1_000) {
			int last = Math.min(count, first + 1_000);
			for (int from = first; from < last; from += 500) {
				List<OutgoingMessage> batch = new ArrayList<>();
				for (int i = from; i < Math.min(last, from + 500); i++) {
					batch.add(new OutgoingMessage(Map.of(), payload, new Scheduling(keyPrefix + i, 1, List.of())));
				}
				driver.enqueue("tenants", batch);
			}
			int round = 0;
			while (round < last - first) {
				List<LeasedMessage> fetched = driver.fetch("tenants", 200, Duration.ofSeconds(5));
				if (fetched.isEmpty()) {
					throw new IllegalStateException("Nothing to fetch with " + (last - first - round) + " messages left");
				}
				for (boolean ok : driver.ackAll(fetched)) {
					round += ok ? 1 : 0;
				}
			}
			acked += round;
			if (count >= 10_000 && (acked / step) != ((acked - round) / step)) {
				System.out.printf("  %,d keys%n", acked);
			}
		}
		// A consumer goes on fetching: keys that ran dry leave the schedule when their turn comes.
		for (int i = 0; i < 5; i++) {
			driver.fetch("tenants", 200, Duration.ofMillis(200));
		}
		if (acked < count) {
			System.out.printf("  stopped at the time budget after %,d of %,d keys%n", acked, count);
		}
		return acked;
	}

	private record Snapshot(String label, long heapBytes, long redisUsedMemory, long redisKeys, long rabbitQueues) {

		void compare(Snapshot before) {
			System.out.printf("  heap after GC: %.1f MiB -> %.1f MiB (%+.1f MiB)%n", before.heapBytes / 1048576.0,
					this.heapBytes / 1048576.0, (this.heapBytes - before.heapBytes) / 1048576.0);
			if (this.redisUsedMemory >= 0) {
				System.out.printf("  Redis used_memory: %,d -> %,d bytes (%+,d); keys under the prefix: %d -> %d%n",
						before.redisUsedMemory, this.redisUsedMemory, this.redisUsedMemory - before.redisUsedMemory,
						before.redisKeys, this.redisKeys);
			}
			if (this.rabbitQueues >= 0) {
				System.out.printf("  RabbitMQ queues under the prefix: %d -> %d%n", before.rabbitQueues,
						this.rabbitQueues);
			}
		}

	}

	private Snapshot snapshot(String label) throws InterruptedException {
		// Let background work settle (sessions, housekeeping), then collect twice.
		Thread.sleep(2_000);
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(300);
		}
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		long usedMemory = -1;
		long keys = -1;
		if (this.redis != null) {
			try (RedisConnection connection = this.redis.getConnection()) {
				Properties info = connection.serverCommands().info("memory");
				usedMemory = Long.parseLong(info.getProperty("used_memory"));
				keys = 0;
				try (Cursor<byte[]> cursor = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(this.prefix + ":*").count(1000).build())) {
					while (cursor.hasNext()) {
						cursor.next();
						keys++;
					}
				}
			}
		}
		long queues = this.driverType.equals("amqp") ? rabbitQueues() : -1;
		System.out.printf("%s: heap used after GC %.1f MiB%s%n", label, heap / 1048576.0,
				(usedMemory >= 0) ? String.format(Locale.ROOT, ", Redis used_memory %,d, keys under the prefix %d",
						usedMemory, keys) : "");
		return new Snapshot(label, heap, usedMemory, keys, queues);
	}

	/** RabbitMQ queues under the prefix, from {@code rabbitmqctl}; -1 where it cannot be run. */
	private long rabbitQueues() {
		try {
			Process process = new ProcessBuilder("rabbitmqctl", "-q", "list_queues", "name").redirectErrorStream(true)
				.start();
			long count = 0;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					if (line.startsWith(this.prefix + ".") || line.startsWith(this.prefix + "-s.")) {
						count++;
					}
				}
			}
			return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0 ? count : -1;
		}
		catch (Exception ex) {
			return -1;
		}
	}

	private static void closeQuietly(FilaDriver driver) {
		try {
			driver.close();
		}
		catch (RuntimeException ex) {
			// best effort
		}
	}

	private void cleanUp() {
		if (this.redis != null) {
			try (RedisConnection connection = this.redis.getConnection()) {
				List<byte[]> keys = new ArrayList<>();
				try (Cursor<byte[]> cursor = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(this.prefix + ":*").count(1000).build())) {
					cursor.forEachRemaining(keys::add);
				}
				if (!keys.isEmpty()) {
					connection.keyCommands().del(keys.toArray(new byte[0][]));
				}
			}
			this.redis.destroy();
		}
		if (this.rabbit != null) {
			try (var connection = this.rabbit.createConnection()) {
				var channel = connection.createChannel(false);
				channel.queueDelete(this.prefix + ".keys");
				channel.queueDelete(this.prefix + "-s.keys");
				channel.close();
			}
			catch (Exception ex) {
				System.out.println("Could not delete the key logs: " + ex.getMessage());
			}
			this.rabbit.destroy();
		}
	}

}
