package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idle key queues expiring ({@code key-idle-expiry}, here 1 s) on the real RabbitMQ: the whole
 * driver contract with keys expiring under it, an idle key's queue deleted and created again,
 * a key that another instance still holds kept, and producers and consumers in several
 * instances racing expiries without losing a message.
 */
class AmqpKeyExpiryIntegrationTests extends AmqpContractTests {

	private static final Duration EXPIRY = Duration.ofSeconds(1);

	private final List<CachingConnectionFactory> instances = new ArrayList<>();

	@Override
	protected FilaDriver createDriver() {
		return instance(this.connectionFactory);
	}

	private AmqpDriver instance(CachingConnectionFactory factory) {
		AmqpDriverOptions defaults = AmqpTestSupport.options(this.prefix, 0);
		return new AmqpDriver("amqp", factory, new AmqpDriverOptions(this.prefix, false, defaults.keyPrefetch(),
				defaults.prefetchBudget(), defaults.keyLogMaxBytes(), defaults.sessionIdleTimeout(), 0, EXPIRY));
	}

	/** Another application instance: a driver on a connection of its own. */
	private AmqpDriver otherInstance() {
		CachingConnectionFactory factory = AmqpTestSupport.connectionFactory();
		this.instances.add(factory);
		return instance(factory);
	}

	@Override
	protected void afterDriverClosed() {
		super.afterDriverClosed();
		this.instances.forEach(CachingConnectionFactory::destroy);
	}

	private AmqpDriver amqp() {
		return (AmqpDriver) this.driver;
	}

	private boolean keyQueueExists(String queue, String key) {
		return amqp().channels().readyCount(amqp().names().keyQueue(queue, key)) >= 0;
	}

	@Test
	void anIdleKeysQueueIsDeletedAndComesBackWithItsNextMessage() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("first", "tenant-a")));
		LeasedMessage first = fetchOne(queue);
		assertThat(this.driver.ack(first)).isTrue();
		assertThat(keyQueueExists(queue, "tenant-a")).isTrue();

		await().atMost(Duration.ofSeconds(15)).until(() -> !keyQueueExists(queue, "tenant-a"));
		await().atMost(Duration.ofSeconds(5)).until(() -> !amqp().keyLog().keys(queue).contains("tenant-a"));
		assertThat(amqp().expiredKeyQueues(queue)).isEqualTo(1);

		this.driver.enqueue(queue, List.of(message("second", "tenant-a")));
		LeasedMessage second = fetchOne(queue);
		assertThat(new String(second.payload())).isEqualTo("second");
		assertThat(second.fairnessKey()).isEqualTo("tenant-a");
		assertThat(this.driver.ack(second)).isTrue();
		assertThat(keyQueueExists(queue, "tenant-a")).isTrue();
	}

	@Test
	void aKeyThatAnotherInstanceHoldsIsKept() throws Exception {
		String queue = createQueue(Duration.ofMinutes(1));
		try (AmqpDriver other = otherInstance()) {
			// The other instance consumes first and leases the key's only message...
			this.driver.enqueue(queue, List.of(message("held", "tenant-a")));
			List<LeasedMessage> held = other.fetch(queue, 1, Duration.ofSeconds(10));
			assertThat(held).hasSize(1);
			// ... while this instance consumes the same key queue and holds nothing of it.
			assertThat(this.driver.fetch(queue, 1, Duration.ofMillis(200))).isEmpty();
			Thread.sleep(EXPIRY.multipliedBy(5).toMillis());

			assertThat(keyQueueExists(queue, "tenant-a")).as("key queue kept").isTrue();
			assertThat(amqp().expiredKeyQueues(queue) + other.expiredKeyQueues(queue)).isZero();
			assertThat(other.ack(held.get(0))).isTrue();
			// Once nobody holds anything, it expires.
			await().atMost(Duration.ofSeconds(15)).until(() -> !keyQueueExists(queue, "tenant-a"));
			// And this instance still consumes the key when it comes back.
			this.driver.enqueue(queue, List.of(message("again", "tenant-a")));
			LeasedMessage again = fetchFromEither(queue, other);
			assertThat(new String(again.payload())).isEqualTo("again");
		}
	}

	@Test
	void anExpiryNobodyClosesPausesTheKeyUntilItIsAbandonedAndProducersGoAroundIt() throws Exception {
		String queue = createQueue();
		this.driver.enqueue(queue, List.of(message("first", "tenant-a")));
		assertThat(this.driver.ack(fetchOne(queue))).isTrue();
		String keyQueue = amqp().names().keyQueue(queue, "tenant-a");
		// An instance opens an expiry of the key and dies before closing it.
		amqp().channels().with((channel) -> channel.publish(List.of(KeyLogRecords.expiringRecord(
				amqp().names().keyLog(), queue, "tenant-a", "expiry-of-a-dead-instance"))));
		await().atMost(Duration.ofSeconds(5)).until(() -> consumers(keyQueue) == 0);

		// Straight into the key queue, as a producer holding a lease from before would.
		AmqpMessages.Envelope leased = new AmqpMessages.Envelope("published-under-an-old-lease", Map.of(),
				"old".getBytes(), new dev.fila.scheduling.Scheduling("tenant-a", 1, List.of()), 0,
				System.currentTimeMillis());
		amqp().channels().with((channel) -> channel
			.publish(List.of(new AmqpChannels.Publish(keyQueue, AmqpMessages.properties(leased), leased.payload()))));
		// A producer whose lease ran out (a quarter of the expiry) takes a new one, sees the open
		// expiry, and its message goes around the key queue.
		Thread.sleep(EXPIRY.dividedBy(2).toMillis());
		this.driver.enqueue(queue, List.of(message("around", "tenant-a")));
		LeasedMessage around = fetchOne(queue);
		assertThat(new String(around.payload())).isEqualTo("around");
		assertThat(this.driver.ack(around)).isTrue();
		assertThat(amqp().keyExpiryCounts(queue).detoured().sum()).isPositive();
		assertThat(this.driver.fetch(queue, 1, Duration.ofSeconds(1))).as("key queue paused").isEmpty();

		// Abandoned after twice the expiry's wait plus 10 s: the key queue is consumed again.
		LeasedMessage old = null;
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (old == null && System.nanoTime() < deadline) {
			List<LeasedMessage> fetched = this.driver.fetch(queue, 1, Duration.ofMillis(500));
			old = fetched.isEmpty() ? null : fetched.get(0);
		}
		assertThat(old).isNotNull();
		assertThat(old.id()).isEqualTo("published-under-an-old-lease");
		assertThat(this.driver.ack(old)).isTrue();
	}

	private int consumers(String rabbitQueue) {
		return amqp().channels()
			.with((channel) -> channel.channel().queueDeclarePassive(rabbitQueue).getConsumerCount());
	}

	private LeasedMessage fetchFromEither(String queue, AmqpDriver other) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (System.nanoTime() < deadline) {
			for (FilaDriver driver : List.of(this.driver, other)) {
				List<LeasedMessage> fetched = driver.fetch(queue, 1, Duration.ofMillis(100));
				if (!fetched.isEmpty()) {
					driver.ack(fetched.get(0));
					return fetched.get(0);
				}
			}
		}
		throw new AssertionError("nothing delivered within 15 s");
	}

	/**
	 * Two producer instances and two consumer instances, keys used in bursts with gaps around
	 * the expiry time (two keys shared by both producers), so that key queues expire and come back all the time, and producers
	 * publish while expiries are open. Every message sent must be delivered.
	 */
	@Test
	void keysExpiringUnderTrafficFromSeveralInstancesLoseNothing() throws Exception {
		String queue = createQueue();
		List<AmqpDriver> producers = List.of(otherInstance(), otherInstance());
		List<AmqpDriver> consumers = List.of(amqp(), otherInstance());
		Set<String> sent = ConcurrentHashMap.newKeySet();
		Set<String> received = ConcurrentHashMap.newKeySet();
		AtomicInteger deliveries = new AtomicInteger();
		AtomicBoolean consuming = new AtomicBoolean(true);
		List<Thread> threads = new ArrayList<>();
		for (AmqpDriver consumer : consumers) {
			threads.add(started(() -> {
				try {
					while (consuming.get()) {
						for (LeasedMessage message : consumer.fetch(queue, 10, Duration.ofMillis(100))) {
							received.add(message.id());
							deliveries.incrementAndGet();
							consumer.ack(message);
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}));
		}
		long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		List<Thread> producing = new ArrayList<>();
		for (AmqpDriver producer : producers) {
			// Keys 0 and 1 are shared by both producers (one renews a lease while the other's
			// lapsed); keys 2 and 3 are each producer's own, so they go quiet long enough to
			// expire during traffic, not only once it stops.
			String producerName = "p" + producers.indexOf(producer);
			for (int k = 0; k < 4; k++) {
				String key = (k < 2) ? "key-" + k : producerName + "-key-" + k;
				producing.add(started(() -> {
					ThreadLocalRandom random = ThreadLocalRandom.current();
					int n = 0;
					while (System.nanoTime() < end) {
						List<OutgoingMessage> burst = new ArrayList<>();
						for (int i = random.nextInt(1, 6); i > 0; i--) {
							burst.add(message(key + "-" + (n++), key));
						}
						sent.addAll(producer.enqueue(queue, burst));
						sleep(random.nextLong(700, 2600));
					}
				}));
			}
		}
		for (Thread thread : producing) {
			thread.join();
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> received.containsAll(sent));
		consuming.set(false);
		for (Thread thread : threads) {
			thread.join();
		}
		long expired = 0;
		long kept = 0;
		long detoured = 0;
		for (AmqpDriver instance : List.of(producers.get(0), producers.get(1), consumers.get(0), consumers.get(1))) {
			KeyExpiry.Counts counts = instance.keyExpiryCounts(queue);
			expired += counts.expired().sum();
			kept += counts.kept().sum();
			detoured += counts.detoured().sum();
		}
		Set<String> lost = new java.util.HashSet<>(sent);
		lost.removeAll(received);
		System.out.printf("amqp key expiry race: sent=%d received=%d lost=%d deliveries=%d expired-key-queues=%d "
				+ "kept=%d lease-requests-while-expiring=%d%n", sent.size(), received.size(), lost.size(),
				deliveries.get(), expired, kept, detoured);
		assertThat(lost).isEmpty();
		assertThat(expired).as("key queues expired during the run").isGreaterThan(0);
		for (AmqpDriver producer : producers) {
			producer.close();
		}
		consumers.get(1).close();
	}

	private static Thread started(Runnable work) {
		Thread thread = new Thread(work);
		thread.start();
		return thread;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
