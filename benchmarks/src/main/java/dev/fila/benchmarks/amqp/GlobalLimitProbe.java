package dev.fila.benchmarks.amqp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;

/**
 * The two ways RabbitMQ could hold a per-key in-flight limit across application instances, on
 * plain RabbitMQ queues (no Fila code), measured to decide what the AMQP driver does:
 * <ol>
 * <li><b>Single active consumer.</b> A queue per key declared with
 * {@code x-single-active-consumer}, consumed by two instances (two connections, four handler
 * threads each, 2 ms per message) with a consumer prefetch equal to the limit. Printed: the
 * most messages of one key unacked at once across both instances, how many each instance
 * handled, and the time to drain. Run three ways: each instance the first to subscribe to
 * half of the keys (as two instances starting together might), the first instance subscribing all keys
 * before the second (a restart of the second), and, as the reference, the same queues without
 * single active consumer.</li>
 * <li><b>A permit queue.</b> A queue holding the limit's worth of permits, one message each,
 * taken with {@code basic.get} and given back with {@code basic.reject} before every lease:
 * the round trip a lease would wait for, as a percentile table.</li>
 * </ol>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.amqp.GlobalLimitProbe
 * [messages-per-key=200] [keys=10] [limit=2] [permit-round-trips=10000]}
 */
public final class GlobalLimitProbe {

	private static final int HANDLER_THREADS = 4;

	private static final long HANDLER_MILLIS = 2;

	private final ConnectionFactory factory = new ConnectionFactory();

	private final int perKey;

	private final int keys;

	private final int limit;

	private GlobalLimitProbe(int perKey, int keys, int limit) {
		this.perKey = perKey;
		this.keys = keys;
		this.limit = limit;
		this.factory.setHost("127.0.0.1");
		this.factory.setPort(5672);
		this.factory.setUsername("guest");
		this.factory.setPassword("guest");
	}

	public static void main(String[] args) throws Exception {
		int perKey = (args.length > 0) ? Integer.parseInt(args[0]) : 200;
		int keys = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		int limit = (args.length > 2) ? Integer.parseInt(args[2]) : 2;
		int roundTrips = (args.length > 3) ? Integer.parseInt(args[3]) : 10_000;
		GlobalLimitProbe probe = new GlobalLimitProbe(perKey, keys, limit);
		System.out.printf(Locale.ROOT, "%d keys x %d messages, limit %d per key, 2 instances x %d handler threads, "
				+ "%d ms per message%n", keys, perKey, limit, HANDLER_THREADS, HANDLER_MILLIS);
		System.out.println("| key queues | subscription order | max unacked of one key | instance A | instance B | drain (ms) |");
		System.out.println("|---|---|---|---|---|---|");
		for (int round = 0; round < 2; round++) {
			probe.consumeRun(true, true);
			probe.consumeRun(true, false);
			probe.consumeRun(false, true);
		}
		probe.permitRoundTrips(roundTrips);
	}

	/** Both instances consume every key queue; prints who handled what and the peak per key. */
	private void consumeRun(boolean singleActive, boolean interleaved) throws Exception {
		String run = "fila-probe-" + UUID.randomUUID();
		Map<String, Object> arguments = singleActive ? Map.of("x-single-active-consumer", true) : Map.of();
		try (Connection a = this.factory.newConnection(); Connection b = this.factory.newConnection()) {
			Channel admin = a.createChannel();
			List<String> queues = new ArrayList<>();
			for (int k = 0; k < this.keys; k++) {
				String name = run + "-k" + k;
				admin.queueDeclare(name, false, false, true, arguments);
				queues.add(name);
			}
			AtomicInteger[] unacked = new AtomicInteger[this.keys];
			AtomicInteger[] peak = new AtomicInteger[this.keys];
			for (int k = 0; k < this.keys; k++) {
				unacked[k] = new AtomicInteger();
				peak[k] = new AtomicInteger();
			}
			CountDownLatch done = new CountDownLatch(this.keys * this.perKey);
			Instance first = new Instance(a, unacked, peak, done);
			Instance second = new Instance(b, unacked, peak, done);
			if (interleaved) {
				for (int k = 0; k < this.keys; k++) {
					Instance earlier = (k % 2 == 0) ? first : second;
					Instance later = (k % 2 == 0) ? second : first;
					earlier.consume(queues.get(k), k);
					later.consume(queues.get(k), k);
				}
			}
			else {
				for (int k = 0; k < this.keys; k++) {
					first.consume(queues.get(k), k);
				}
				for (int k = 0; k < this.keys; k++) {
					second.consume(queues.get(k), k);
				}
			}
			long start = System.nanoTime();
			for (int i = 0; i < this.perKey; i++) {
				for (String queue : queues) {
					admin.basicPublish("", queue, null, new byte[256]);
				}
			}
			if (!done.await(5, TimeUnit.MINUTES)) {
				throw new IllegalStateException("not drained in 5 minutes");
			}
			long drainMillis = (System.nanoTime() - start) / 1_000_000;
			int maxPeak = Arrays.stream(peak).mapToInt(AtomicInteger::get).max().orElse(0);
			System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %d |%n",
					singleActive ? "single active consumer" : "plain", interleaved ? "A first on even keys, B on odd" : "A first, then B",
					maxPeak, first.handled.get(), second.handled.get(), drainMillis);
			first.close();
			second.close();
			for (String queue : queues) {
				admin.queueDelete(queue);
			}
		}
	}

	/** Takes a permit and gives it back, sequentially; prints the round trip's percentiles. */
	private void permitRoundTrips(int count) throws IOException, java.util.concurrent.TimeoutException {
		String queue = "fila-probe-permits-" + UUID.randomUUID();
		try (Connection connection = this.factory.newConnection()) {
			Channel channel = connection.createChannel();
			channel.queueDeclare(queue, false, false, true, Map.of());
			for (int i = 0; i < this.limit; i++) {
				channel.basicPublish("", queue, null, new byte[0]);
			}
			channel.queueDeclarePassive(queue);
			long[] nanos = new long[count];
			for (int i = -1000; i < count; i++) {
				long start = System.nanoTime();
				GetResponse permit = channel.basicGet(queue, false);
				if (permit == null) {
					throw new IllegalStateException("no permit");
				}
				channel.basicReject(permit.getEnvelope().getDeliveryTag(), true);
				if (i >= 0) {
					nanos[i] = System.nanoTime() - start;
				}
			}
			Arrays.sort(nanos);
			System.out.printf(Locale.ROOT, "%npermit round trip (basic.get + basic.reject), %d times: p50 %d us, "
					+ "p90 %d us, p99 %d us, max %d us%n", count, nanos[count / 2] / 1000, nanos[count * 9 / 10] / 1000,
					nanos[count * 99 / 100] / 1000, nanos[count - 1] / 1000);
			channel.queueDelete(queue);
		}
	}

	/** One application instance: a connection, a channel per key queue, four handler threads. */
	private final class Instance {

		private final Connection connection;

		private final AtomicInteger[] unacked;

		private final AtomicInteger[] peak;

		private final CountDownLatch done;

		private final ExecutorService handlers = Executors.newFixedThreadPool(HANDLER_THREADS);

		private final AtomicInteger handled = new AtomicInteger();

		private final Map<Integer, Channel> channels = new HashMap<>();

		Instance(Connection connection, AtomicInteger[] unacked, AtomicInteger[] peak, CountDownLatch done) {
			this.connection = connection;
			this.unacked = unacked;
			this.peak = peak;
			this.done = done;
		}

		void consume(String queue, int key) throws IOException {
			Channel channel = this.connection.createChannel();
			channel.basicQos(GlobalLimitProbe.this.limit);
			this.channels.put(key, channel);
			channel.basicConsume(queue, false, new DefaultConsumer(channel) {
				@Override
				public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
					int now = Instance.this.unacked[key].incrementAndGet();
					Instance.this.peak[key].accumulateAndGet(now, Math::max);
					Instance.this.handlers.execute(() -> handle(channel, key, envelope.getDeliveryTag()));
				}
			});
		}

		private void handle(Channel channel, int key, long tag) {
			try {
				Thread.sleep(HANDLER_MILLIS);
				this.unacked[key].decrementAndGet();
				channel.basicAck(tag, false);
				this.handled.incrementAndGet();
				this.done.countDown();
			}
			catch (IOException | InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}

		void close() throws InterruptedException {
			this.handlers.shutdown();
			this.handlers.awaitTermination(10, TimeUnit.SECONDS);
		}

	}

}
