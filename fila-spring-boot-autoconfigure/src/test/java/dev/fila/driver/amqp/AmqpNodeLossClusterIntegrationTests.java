package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.autoconfigure.health.FilaHealthContributorAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpClusterSupport.RabbitQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application on the 3-node RabbitMQ cluster (quorum queues, {@code spring.rabbitmq.addresses})
 * loses the node it is connected to, SIGKILLed under load: it reconnects to another node,
 * publishing and consuming resume, no confirmed message is lost and at most the consumer's
 * concurrency + prefetch messages are handled twice. The node comes back
 * ({@code scripts/clusters.sh start}), and cluster and application are healthy again.
 */
class AmqpNodeLossClusterIntegrationTests {

	private static final int CONCURRENCY = 4;

	private static final int PREFETCH = 10;

	/** Each handling, as {@code id attempts}. */
	static final ConcurrentLinkedQueue<String> handlings = new ConcurrentLinkedQueue<>();

	/** When each handling ended ({@link System#nanoTime()}), for the report's longest pause. */
	static final ConcurrentLinkedQueue<Long> handledAt = new ConcurrentLinkedQueue<>();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final String queue = "node-loss";

	private final ApplicationContextRunner application = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, FilaAutoConfiguration.class,
				FilaHealthContributorAutoConfiguration.class))
		.withUserConfiguration(Worker.class)
		.withPropertyValues(AmqpClusterSupport.BOOT_PROPERTIES)
		.withPropertyValues("fila.drivers.rabbit.type=amqp", "fila.default-driver=rabbit",
				"fila.drivers.rabbit.amqp.prefix=" + this.prefix, "fila.drivers.rabbit.amqp.quorum=true",
				"fila.lua.timeout=200ms", "fila.queues.node-loss.on-enqueue=function on_enqueue(msg) "
						+ "return { fairness_key = msg.headers.tenant } end");

	/** Confirmed ids: what {@code enqueue} returned. */
	private final List<String> sent = Collections.synchronizedList(new ArrayList<>());

	/** When each enqueue was confirmed ({@link System#nanoTime()}). */
	private final List<Long> sentAt = Collections.synchronizedList(new ArrayList<>());

	private final AtomicInteger failedEnqueues = new AtomicInteger();

	private final AtomicBoolean producing = new AtomicBoolean(true);

	static class Worker {

		@FilaListener(queue = "node-loss", id = "worker", concurrency = "" + CONCURRENCY, prefetch = "" + PREFETCH)
		void handle(FilaMessage message) throws InterruptedException {
			Thread.sleep(1);
			handlings.add(message.id() + " " + message.attempts());
			handledAt.add(System.nanoTime());
		}

	}

	@BeforeEach
	void reset() {
		handlings.clear();
		handledAt.clear();
	}

	@AfterEach
	void restoreClusterAndCleanUp() {
		this.producing.set(false);
		// Whatever happened above: the next test (and run) finds the cluster whole.
		AmqpClusterSupport.ScriptRun start = AmqpClusterSupport.clusters("start");
		assertThat(start.exitCode()).as("clusters.sh start: %s", start.output()).isZero();
		try (AnnotationConfigApplicationContext boot = AmqpClusterSupport.boot()) {
			AmqpDriver driver = AmqpClusterSupport.quorumDriver(boot.getBeanProvider(ConnectionFactory.class),
					this.prefix);
			driver.deleteQueue(this.queue);
			driver.deleteQueue(QueueSpec.deadLetterQueueOf(this.queue));
			driver.close();
			AmqpTestSupport.deleteKeyLog(boot.getBean(CachingConnectionFactory.class), this.prefix);
		}
		assertThat(AmqpClusterSupport.queues("fila-b", this.prefix)).as("queues left behind").isEmpty();
	}

	private Thread producer(FilaTemplate template) {
		Thread thread = new Thread(() -> {
			for (int i = 0; this.producing.get(); i++) {
				try {
					this.sent.add(template.enqueue(this.queue, Map.of("tenant", "tenant-" + (i % 10)), "m" + i));
					this.sentAt.add(System.nanoTime());
				}
				catch (RuntimeException ex) {
					// Not confirmed after the driver's retries: not counted as sent.
					this.failedEnqueues.incrementAndGet();
				}
			}
		}, "node-loss-producer");
		thread.start();
		return thread;
	}

	private static Set<String> handledIds() {
		Set<String> ids = new HashSet<>();
		handlings.forEach((handling) -> ids.add(handling.substring(0, handling.indexOf(' '))));
		return ids;
	}

	private static List<String> handledIdList() {
		List<String> ids = new ArrayList<>();
		handlings.forEach((handling) -> ids.add(handling.substring(0, handling.indexOf(' '))));
		return ids;
	}

	/** The longest time between two consecutive events after a moment, in milliseconds. */
	private static long longestPauseMillis(List<Long> times, long after) {
		List<Long> sorted = new ArrayList<>(times.stream().filter((time) -> time - after >= 0).toList());
		sorted.add(after);
		sorted.sort(null);
		long longest = 0;
		for (int i = 1; i < sorted.size(); i++) {
			longest = Math.max(longest, sorted.get(i) - sorted.get(i - 1));
		}
		return longest / 1_000_000;
	}

	@Test
	void losingTheConnectedNodeUnderLoadLosesNothingConfirmed() {
		this.application.run((context) -> {
			assertThat(context).hasNotFailed();
			ConnectionFactory connectionFactory = context.getBean(ConnectionFactory.class);
			FilaTemplate template = context.getBean(FilaTemplate.class);
			CompositeHealthContributor health = context.getBean("filaHealthContributor", CompositeHealthContributor.class);
			Thread producer = producer(template);
			await().atMost(Duration.ofSeconds(60)).until(() -> handlings.size() >= 1000);

			String killed = AmqpClusterSupport.connectedNode(connectionFactory);
			int sentAtKill = this.sent.size();
			int handledAtKill = handlings.size();
			long killedAt = System.nanoTime();
			AmqpClusterSupport.ScriptRun kill = AmqpClusterSupport.clusters("kill", killed);
			assertThat(kill.exitCode()).as("clusters.sh kill %s: %s", killed, kill.output()).isZero();

			// Publishing and consuming resume on the surviving nodes.
			await().atMost(Duration.ofSeconds(120))
				.until(() -> this.sent.size() >= sentAtKill + 1000 && handlings.size() >= handledAtKill + 1000);
			assertThat(AmqpClusterSupport.connectedNode(connectionFactory)).isNotEqualTo(killed);
			this.producing.set(false);
			producer.join(60_000);
			List<String> confirmed = List.copyOf(this.sent);
			await().atMost(Duration.ofSeconds(120)).until(() -> handledIds().containsAll(confirmed));
			DeliveryCounts counts = DeliveryCounts.of(confirmed, handledIdList());
			long redelivered = handlings.stream().filter((handling) -> !handling.endsWith(" 1")).count();
			Set<String> unconfirmedDelivered = handledIds();
			unconfirmedDelivered.removeAll(confirmed);
			System.out.printf("amqp node loss (%s killed): %s sent-at-kill=%d failed-enqueues=%d "
					+ "unconfirmed-delivered=%d handlings-with-attempts>1=%d longest-pause-ms publish=%d consume=%d%n",
					killed, counts, sentAtKill, this.failedEnqueues.get(), unconfirmedDelivered.size(), redelivered,
					longestPauseMillis(this.sentAt, killedAt), longestPauseMillis(List.copyOf(handledAt), killedAt));
			assertThat(counts.lost()).isZero();
			assertThat(counts.duplicated()).isLessThanOrEqualTo(CONCURRENCY + PREFETCH);

			// The node comes back: the cluster is whole, every queue has its three members again.
			AmqpClusterSupport.ScriptRun start = AmqpClusterSupport.clusters("start");
			assertThat(start.exitCode()).as("clusters.sh start: %s", start.output()).isZero();
			AmqpClusterSupport.ScriptRun status = AmqpClusterSupport.clusters("status");
			assertThat(status.exitCode()).as("clusters.sh status: %s", status.output()).isZero();
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
				List<RabbitQueue> queues = AmqpClusterSupport.queues(killed, this.prefix);
				assertThat(queues).isNotEmpty();
				for (RabbitQueue rabbitQueue : queues) {
					assertThat(rabbitQueue.online()).as("online members of %s", rabbitQueue.name())
						.containsExactlyInAnyOrderElementsOf(AmqpClusterSupport.NODES);
				}
			});

			// And the application is healthy: it answers, publishes and consumes.
			assertThat(health.stream().map((driver) -> ((HealthIndicator) driver.contributor()).health().getStatus()))
				.containsOnly(Status.UP);
			List<String> after = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				after.add(template.enqueue(this.queue, Map.of("tenant", "tenant-" + (i % 10)), "after" + i));
			}
			await().atMost(Duration.ofSeconds(60)).until(() -> handledIds().containsAll(after));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> context.getBean(FilaAdmin.class).stats(this.queue).total() == 0);
		});
	}

}
