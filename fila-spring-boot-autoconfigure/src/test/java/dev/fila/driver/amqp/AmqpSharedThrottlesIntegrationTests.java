package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Throttles on RabbitMQ hold across instances: three drivers, each on a connection of its own
 * as three application instances would be, share one throttle, and together never deliver more
 * than {@code burst + rate * t} from the moment it was set.
 */
class AmqpSharedThrottlesIntegrationTests {

	private static final double RATE = 20;

	private static final long BURST = 5;

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final List<CachingConnectionFactory> factories = new ArrayList<>();

	private final List<AmqpDriver> drivers = new ArrayList<>();

	private long throttleSetAt;

	@BeforeEach
	void startThreeInstances() {
		for (int i = 0; i < 3; i++) {
			CachingConnectionFactory factory = AmqpTestSupport.connectionFactory();
			this.factories.add(factory);
			AmqpDriver driver = new AmqpDriver("amqp", factory, AmqpTestSupport.options(this.prefix));
			driver.createQueue(new QueueSpec("jobs", Duration.ofSeconds(30), 1, false));
			this.drivers.add(driver);
		}
		this.throttleSetAt = System.nanoTime();
		this.drivers.forEach((driver) -> driver.setThrottle("api", RATE, BURST));
	}

	@AfterEach
	void cleanUp() throws Exception {
		AmqpDriver first = this.drivers.get(0);
		first.deleteQueue("jobs");
		this.drivers.forEach(AmqpDriver::close);
		CachingConnectionFactory factory = this.factories.get(0);
		AmqpTestSupport.deleteKeyLog(factory, this.prefix, first);
		this.factories.forEach(CachingConnectionFactory::destroy);
	}

	@Test
	void threeInstancesTogetherDeliverAtMostBurstPlusRateTimesElapsed() throws Exception {
		enqueue(200);
		List<Long> deliveredAt = consumeOnEveryInstance(Duration.ofSeconds(4));
		Collections.sort(deliveredAt);
		double lastSeconds = (deliveredAt.get(deliveredAt.size() - 1) - this.throttleSetAt) / 1e9;
		System.out.printf("3 instances, rate %.0f/s, burst %d: %d delivered, the last %.3f s after the throttle was set"
				+ " (bound %.1f)%n", RATE, BURST, deliveredAt.size(), lastSeconds, BURST + RATE * lastSeconds);
		assertThat(this.drivers.stream().filter((driver) -> driver.throttles().leading())).hasSize(1);
		for (int n = 1; n <= deliveredAt.size(); n++) {
			double seconds = (deliveredAt.get(n - 1) - this.throttleSetAt) / 1e9;
			assertThat((double) n).as("deliveries by %.3f s after the throttle was set", seconds)
				.isLessThanOrEqualTo(BURST + RATE * seconds);
		}
		// Over any window: at most the burst, what each instance took ahead (one token at this
		// rate) and the rate over the window.
		for (int i = 0; i < deliveredAt.size(); i++) {
			for (int j = i; j < deliveredAt.size(); j++) {
				double window = (deliveredAt.get(j) - deliveredAt.get(i)) / 1e9;
				assertThat((double) (j - i + 1)).as("deliveries within %.3f s", window)
					.isLessThanOrEqualTo(BURST + 3 + RATE * window);
			}
		}
		// Not starved: the first leader is elected at once; allow a second for the refills to start.
		assertThat(deliveredAt).hasSizeGreaterThanOrEqualTo((int) (RATE * 3));
	}

	@Test
	void anotherInstanceRefillsWhenTheLeaderGoesAway() throws Exception {
		await().atMost(Duration.ofSeconds(3))
			.until(() -> this.drivers.stream().anyMatch((driver) -> driver.throttles().leading()));
		AmqpDriver leader = this.drivers.stream().filter((driver) -> driver.throttles().leading()).findFirst().orElseThrow();
		leader.throttles().close();
		await().atMost(Duration.ofSeconds(3))
			.until(() -> this.drivers.stream().filter((driver) -> driver != leader)
				.anyMatch((driver) -> driver.throttles().leading()));
		enqueue(20);
		AmqpDriver other = this.drivers.stream().filter((driver) -> driver != leader).findFirst().orElseThrow();
		List<LeasedMessage> leased = new ArrayList<>();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (leased.size() < 20 && System.nanoTime() < deadline) {
			leased.addAll(other.fetch("jobs", 10, Duration.ofMillis(200)));
		}
		assertThat(leased).hasSize(20);
	}

	@Test
	void availablePermitsAreTheSharedTokensUpToTheBurst() {
		await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
			for (AmqpDriver driver : this.drivers) {
				assertThat(driver.availablePermits("api")).isEqualTo(BURST);
			}
		});
		assertThat(this.drivers.get(0).availablePermits("unknown")).isNaN();
	}

	@Test
	void absurdThrottlesAreRefusedOrCappedAndTheLeaderCarriesOn() {
		AmqpDriver driver = this.drivers.get(0);
		for (double rate : new double[] { Double.NaN, 0, -1, Double.POSITIVE_INFINITY }) {
			assertThatIllegalArgumentException().isThrownBy(() -> driver.setThrottle("bad", rate, 1));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> driver.setThrottle("bad", 1, 0));
		this.drivers.forEach((each) -> each.setThrottle("huge", 1e12, Long.MAX_VALUE));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(driver.availablePermits("huge")).isEqualTo(SharedThrottles.MAX_TOKENS);
			assertThat(driver.availablePermits("api")).isEqualTo(BURST);
		});
		assertThat(driver.availablePermits("bad")).isNaN();
	}

	private void enqueue(int count) {
		List<OutgoingMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(new OutgoingMessage(Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("tenant-" + (i % 3), 1, List.of("api"))));
		}
		this.drivers.get(0).enqueue("jobs", messages);
	}

	/** Every instance fetches and acks for the given time; returns when each message came. */
	private List<Long> consumeOnEveryInstance(Duration duration) throws InterruptedException {
		ConcurrentLinkedQueue<Long> deliveredAt = new ConcurrentLinkedQueue<>();
		long deadline = System.nanoTime() + duration.toNanos();
		List<Thread> consumers = new ArrayList<>();
		for (AmqpDriver driver : this.drivers) {
			Thread consumer = new Thread(() -> {
				try {
					while (System.nanoTime() < deadline) {
						List<LeasedMessage> leased = driver.fetch("jobs", 10, Duration.ofMillis(100));
						long now = System.nanoTime();
						for (LeasedMessage message : leased) {
							deliveredAt.add(now);
							driver.ack(message);
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			consumer.start();
			consumers.add(consumer);
		}
		for (Thread consumer : consumers) {
			consumer.join();
		}
		return new ArrayList<>(deliveredAt);
	}

}
