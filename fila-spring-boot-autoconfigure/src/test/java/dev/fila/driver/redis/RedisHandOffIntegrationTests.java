package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

import static dev.fila.driver.redis.RedisTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-off: a fetch that found nothing pending registers its instance in {@code hw}, and the
 * next enqueue leases for it and publishes the leases on its channel. What must hold: the
 * registration is used once; a registration whose instance is gone, that expired or that no
 * fetch waits behind any more costs nothing and loses nothing; a hand-off never leases more
 * than the waiting fetch asked for; and garbage on the channel harms nothing.
 */
class RedisHandOffIntegrationTests extends AbstractRedisDriverTests {

	private static OutgoingMessage message(String payload) {
		return new OutgoingMessage(Map.of(), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling("k", 1, List.of()));
	}

	private Map<byte[], byte[]> registrations(String queue) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return connection.hashCommands().hGetAll(bytes(this.driver.base(queue) + "hw"));
		}
	}

	private long leases(String queue) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return connection.hashCommands().hLen(bytes(this.driver.base(queue) + "lt"));
		}
	}

	private static long expiresAt(byte[] registration) {
		return Long.parseLong(new String(registration, StandardCharsets.UTF_8).split(":")[1]);
	}

	private long redisMillis() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return connection.serverCommands().time();
		}
	}

	private void register(String queue, String channel, long expiresAtMillis) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.hashCommands()
				.hSet(bytes(this.driver.base(queue) + "hw"), bytes(channel),
						bytes("10:" + expiresAtMillis + ":" + this.prefix + ":throttle:"));
		}
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as(what).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	/** A fetch waiting in the background, once its registration is in Redis. */
	private CompletableFuture<List<LeasedMessage>> waitingFetch(String queue, int max) throws Exception {
		awaitTrue(() -> this.driver.signals().subscribed(), "the subscription stands");
		CompletableFuture<List<LeasedMessage>> fetched = CompletableFuture.supplyAsync(() -> {
			try {
				return this.driver.fetch(queue, max, Duration.ofSeconds(20));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return List.of();
			}
		});
		awaitTrue(() -> !registrations(queue).isEmpty(), "the idle fetch registered");
		return fetched;
	}

	private List<LeasedMessage> fetchAll(String queue, int count) throws InterruptedException {
		List<LeasedMessage> leased = new ArrayList<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (leased.size() < count && System.nanoTime() < deadline) {
			leased.addAll(this.driver.fetch(queue, count - leased.size(), Duration.ofMillis(500)));
		}
		return leased;
	}

	@Test
	void theEnqueueLeasesForTheWaitingFetchAndEndsItsRegistration() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		CompletableFuture<List<LeasedMessage>> fetched = waitingFetch(queue, 10);
		assertThat(registrations(queue).keySet()).extracting((channel) -> new String(channel, StandardCharsets.UTF_8))
			.containsExactly(this.driver.handOffChannel());
		this.driver.enqueue(queue, List.of(message("a")));
		// Leased by the enqueue itself, before the fetch ran its script again.
		assertThat(registrations(queue)).isEmpty();
		assertThat(leases(queue)).isOne();
		List<LeasedMessage> leased = fetched.get(10, TimeUnit.SECONDS);
		assertThat(leased).extracting((message) -> new String(message.payload(), StandardCharsets.UTF_8))
			.containsExactly("a");
		assertThat(leased.get(0).attempts()).isOne();
		assertThat(leased.get(0).fairnessKey()).isEqualTo("k");
		assertThat(this.driver.ack(leased.get(0))).isTrue();
		assertThat(leases(queue)).isZero();
	}

	@Test
	void aHandOffLeasesNoMoreThanTheFetchAskedFor() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		CompletableFuture<List<LeasedMessage>> fetched = waitingFetch(queue, 3);
		List<OutgoingMessage> ten = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			ten.add(message("m" + i));
		}
		this.driver.enqueue(queue, ten);
		assertThat(fetched.get(10, TimeUnit.SECONDS)).hasSize(3);
		assertThat(leases(queue)).isEqualTo(3);
		assertThat(fetchAll(queue, 7)).hasSize(7);
	}

	@Test
	void aHandOffNoFetchWaitsForAnyMoreIsGivenBack() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		awaitTrue(() -> this.driver.signals().subscribed(), "the subscription stands");
		// A registration of this instance whose fetch is gone (one that returned early, woken up).
		register(queue, this.driver.handOffChannel(), System.currentTimeMillis() + 10_000);
		this.driver.enqueue(queue, List.of(message("a")));
		assertThat(registrations(queue)).isEmpty();
		awaitTrue(() -> leases(queue) == 0, "the hand-off was given back");
		List<LeasedMessage> leased = fetchAll(queue, 1);
		assertThat(leased).hasSize(1);
		assertThat(leased.get(0).attempts()).as("a release counts no attempt").isOne();
	}

	@Test
	void aFetchThatWaitedItsTimeOutLeavesNoRegistrationBehind() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		awaitTrue(() -> this.driver.signals().subscribed(), "the subscription stands");
		for (Duration wait : List.of(Duration.ofMillis(1), Duration.ofMillis(50))) {
			assertThat(this.driver.fetch(queue, 10, wait)).isEmpty();
			// Leased for nobody, it would be given back: meanwhile a fetch would get a message after it.
			this.driver.enqueue(queue, List.of(message("a")));
			assertThat(leases(queue)).as("leased by the enqueue after a fetch of %s", wait).isZero();
			List<LeasedMessage> leased = fetchAll(queue, 1);
			assertThat(leased).hasSize(1);
			assertThat(this.driver.ack(leased.get(0))).isTrue();
		}
	}

	@Test
	void aShortFetchDoesNotCutTheRegistrationOfALongerOneOfItsInstance() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		CompletableFuture<List<LeasedMessage>> waiting = waitingFetch(queue, 10);
		assertThat(this.driver.fetch(queue, 10, Duration.ofMillis(50))).isEmpty();
		// The instance's registration still lasts as long as the waiting fetch's, not the short one's.
		assertThat(registrations(queue).values()).singleElement()
			.satisfies((value) -> assertThat(expiresAt(value) - redisMillis()).isGreaterThan(1_000));
		this.driver.enqueue(queue, List.of(message("a")));
		assertThat(registrations(queue)).isEmpty();
		assertThat(waiting.get(10, TimeUnit.SECONDS)).hasSize(1);
	}

	@Test
	void anInstanceThatStoppedGetsNothing() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		RedisDriver other = new RedisDriver("redis", this.connectionFactory, this.prefix);
		try {
			awaitTrue(() -> other.signals().subscribed(), "the other subscription stands");
			register(queue, other.handOffChannel(), System.currentTimeMillis() + 10_000);
		}
		finally {
			other.close();
		}
		// Its registration has not expired, but its channel has no subscriber any more.
		this.driver.enqueue(queue, List.of(message("a")));
		assertThat(registrations(queue)).isEmpty();
		assertThat(leases(queue)).isZero();
		assertThat(fetchAll(queue, 1)).hasSize(1);
	}

	@Test
	void anExpiredRegistrationLeasesNothing() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		awaitTrue(() -> this.driver.signals().subscribed(), "the subscription stands");
		register(queue, this.driver.handOffChannel(), 1);
		this.driver.enqueue(queue, List.of(message("a")));
		assertThat(registrations(queue)).isEmpty();
		assertThat(leases(queue)).isZero();
	}

	@Test
	void whenTheSchedulerLeasesNothingEveryRegistrationEnds() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		CompletableFuture<List<LeasedMessage>> fetched = waitingFetch(queue, 10);
		register(queue, "another-instance", Long.MAX_VALUE / 2);
		this.driver.applyFlow(queue, new QueueFlow(true, Set.of(), Map.of()));
		this.driver.enqueue(queue, List.of(message("a")));
		assertThat(registrations(queue)).isEmpty();
		assertThat(leases(queue)).isZero();
		this.driver.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of()));
		// The waiting fetch heard the notification instead and fetches as before.
		this.driver.enqueue(queue, List.of(message("b")));
		assertThat(fetched.get(10, TimeUnit.SECONDS)).isNotEmpty();
	}

	/**
	 * A hand-off is one PUBLISH, and Redis drops a subscriber whose pending output passes the
	 * pubsub limit (32 MiB by default): a batch of large messages leased for one waiting fetch
	 * must not go in one, or the subscription drops and the messages wait for their leases to
	 * expire.
	 */
	@Test
	void aHandOffOfLargeMessagesStopsAtItsByteBudget() throws Exception {
		String queue = createQueue(Duration.ofSeconds(60));
		CompletableFuture<List<LeasedMessage>> fetched = waitingFetch(queue, 100);
		byte[] payload = new byte[512 * 1024];
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 80; i++) {
			batch.add(new OutgoingMessage(Map.of(), payload, new Scheduling("k", 1, List.of())));
		}
		this.driver.enqueue(queue, batch);
		List<LeasedMessage> handedOff = fetched.get(10, TimeUnit.SECONDS);
		assertThat(handedOff).hasSizeBetween(1, RedisHandOff.MAX_BYTES / payload.length + 1);
		assertThat(leases(queue)).isEqualTo(handedOff.size());
		assertThat(fetchAll(queue, 80 - handedOff.size())).hasSize(80 - handedOff.size());
		// The subscription stood: the next idle fetch is handed a message again.
		CompletableFuture<List<LeasedMessage>> next = waitingFetch(queue, 10);
		this.driver.enqueue(queue, List.of(message("after")));
		assertThat(registrations(queue)).isEmpty();
		assertThat(next.get(10, TimeUnit.SECONDS)).extracting((message) -> new String(message.payload(), StandardCharsets.UTF_8))
			.containsExactly("after");
	}

	@Test
	void aMessageOverTheByteBudgetIsNotHandedOff() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		String spy = this.prefix + ":spy-instance";
		List<byte[]> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
		try (RedisConnection subscriber = this.connectionFactory.getConnection()) {
			subscriber.subscribe((message, pattern) -> heard.add(message.getBody()), bytes(spy));
			awaitTrue(() -> {
				try (RedisConnection connection = this.connectionFactory.getConnection()) {
					return subscriberCount(connection, spy) > 0;
				}
			}, "the spy subscribed");
			// The spy is a registered instance like any other: a small message is handed to it.
			register(queue, spy, Long.MAX_VALUE / 2);
			this.driver.enqueue(queue, List.of(message("small")));
			awaitTrue(() -> heard.size() == 1, "the small message was handed off");
			assertThat(leases(queue)).isOne();
			register(queue, spy, Long.MAX_VALUE / 2);
			byte[] payload = new byte[RedisHandOff.MAX_BYTES + 1];
			this.driver.enqueue(queue, List.of(new OutgoingMessage(Map.of(), payload, new Scheduling("k", 1, List.of()))));
			assertThat(registrations(queue)).isEmpty();
			assertThat(leases(queue)).as("not leased by the enqueue").isOne();
			Thread.sleep(200);
			assertThat(heard).hasSize(1);
			subscriber.getSubscription().unsubscribe();
		}
		assertThat(fetchAll(queue, 1)).singleElement()
			.satisfies((message) -> assertThat(message.payload()).hasSize(RedisHandOff.MAX_BYTES + 1));
	}

	private static long subscriberCount(RedisConnection connection, String channel) {
		Long count = connection.scriptingCommands()
			.eval(bytes("return redis.call('PUBSUB', 'NUMSUB', ARGV[1])[2]"), ReturnType.INTEGER, 0, bytes(channel));
		return (count != null) ? count : 0;
	}

	@Test
	void registrationsOfStoppedInstancesDoNotPileUpWithoutEnqueues() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		awaitTrue(() -> this.driver.signals().subscribed(), "the subscription stands");
		for (int i = 0; i < 40; i++) {
			register(queue, this.prefix + ":handoff:stopped-" + i, 1);
		}
		register(queue, this.prefix + ":handoff:alive", Long.MAX_VALUE / 2);
		assertThat(this.driver.fetch(queue, 10, Duration.ofMillis(50))).isEmpty();
		assertThat(registrations(queue).keySet()).extracting((channel) -> new String(channel, StandardCharsets.UTF_8))
			.containsExactlyInAnyOrder(this.driver.handOffChannel(), this.prefix + ":handoff:alive");
	}

	@Test
	void garbageOnTheChannelHarmsNothing() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		CompletableFuture<List<LeasedMessage>> fetched = waitingFetch(queue, 10);
		byte[] channel = bytes(this.driver.handOffChannel());
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			for (String garbage : List.of("", ":", "x", "99999999999:a", "5:short", "-1:", "1:q1:x",
					queue.length() + ":" + queue + "1:2", queue.length() + ":" + queue + "1:1" + "0:".repeat(9),
					queue.length() + ":" + queue + "10:2147483647", queue.length() + ":" + queue + "2:-5")) {
				connection.publish(channel, bytes(garbage));
			}
		}
		this.driver.enqueue(queue, List.of(message("a")));
		List<LeasedMessage> leased = fetched.get(10, TimeUnit.SECONDS);
		assertThat(leased).extracting((message) -> new String(message.payload(), StandardCharsets.UTF_8))
			.containsExactly("a");
	}

}
