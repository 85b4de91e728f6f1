package dev.fila.metrics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.core.QueueStats;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FilaQueueMetricsTests {

	private final FailingMemoryDriver driver = new FailingMemoryDriver();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"),
			Map.of("orders", new QueueDefinition("orders", null, Duration.ofMillis(200), 1, true, RetryPolicy.DEFAULT,
					null, null)),
			new DefaultQueuePolicyFactory());

	private final FilaListenerRegistry listeners = new FilaListenerRegistry();

	private final FilaQueueMetrics metrics = new FilaQueueMetrics(this.queues, this.listeners, this.registry,
			Duration.ofMillis(20));

	private final List<FilaListenerContainerFactory> factories = new ArrayList<>();

	@AfterEach
	void close() {
		this.metrics.stop();
		this.listeners.stop();
		this.factories.forEach(FilaListenerContainerFactory::close);
		this.driver.close();
	}

	private void enqueue(String queue, String key, int count, List<String> throttles) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(new OutgoingMessage(Map.of(), "m".getBytes(StandardCharsets.UTF_8),
					new Scheduling(key, 1, throttles)));
		}
		this.driver.enqueue(queue, batch);
	}

	private double gauge(String name, String queue) {
		return this.registry.get(name).tags("queue", queue, "driver", "memory").gauge().value();
	}

	private double counter(String name, String queue) {
		return this.registry.get(name).tags("queue", queue, "driver", "memory").functionCounter().count();
	}

	@Test
	void oldestAgeIsTheWaitOfTheOldestPendingMessage() throws Exception {
		this.queues.createDeclaredQueues();
		this.metrics.refresh();
		assertThat(gauge("fila.queue.oldest_age", "orders")).isZero();
		enqueue("orders", "a", 1, List.of());
		Thread.sleep(300);
		enqueue("orders", "b", 1, List.of());
		this.metrics.refresh();
		assertThat(gauge("fila.queue.oldest_age", "orders")).isBetween(0.3, 30.0);
		assertThat(this.registry.get("fila.queue.oldest_age").tags("queue", "orders").gauge().getId().getBaseUnit())
			.isEqualTo("seconds");
	}

	@Test
	void oldestAgeIsNotReadOverAThousandKeys() {
		this.queues.createDeclaredQueues();
		for (int k = 0; k <= FilaQueueMetrics.OLDEST_AGE_MAX_KEYS; k++) {
			enqueue("orders", "k" + k, 1, List.of());
		}
		this.metrics.refresh();
		assertThat(gauge("fila.queue.oldest_age", "orders")).isNaN();
		assertThat(gauge("fila.queue.depth", "orders")).isEqualTo(FilaQueueMetrics.OLDEST_AGE_MAX_KEYS + 1);
	}

	@Test
	void gaugesReadTheLastSnapshotOfEveryQueueAndItsDeadLetterQueue() throws Exception {
		this.queues.createDeclaredQueues();
		enqueue("orders", "a", 3, List.of());
		enqueue("orders", "b", 2, List.of());
		List<LeasedMessage> leased = this.driver.fetch("orders", 2, Duration.ZERO);
		this.driver.nack(leased.get(0), FailureDecision.deadLetter(), "boom");
		this.metrics.refresh();
		assertThat(gauge("fila.queue.depth", "orders")).isEqualTo(3);
		assertThat(gauge("fila.queue.in_flight", "orders")).isEqualTo(1);
		assertThat(gauge("fila.queue.fairness_keys", "orders")).isEqualTo(2);
		assertThat(gauge("fila.queue.depth", "orders.dlq")).isEqualTo(1);
		assertThat(gauge("fila.queue.consumers", "orders")).isZero();
		enqueue("orders", "c", 10, List.of());
		assertThat(gauge("fila.queue.depth", "orders")).as("not refreshed yet").isEqualTo(3);
		this.metrics.refresh();
		assertThat(gauge("fila.queue.depth", "orders")).isEqualTo(13);
	}

	@Test
	void countsExpiredLeasesAndThrottleLimitedSelections() throws Exception {
		this.queues.createDeclaredQueues();
		this.driver.setThrottle("slow", 0.001, 1);
		enqueue("orders", "a", 2, List.of("slow"));
		assertThat(this.driver.fetch("orders", 1, Duration.ZERO)).hasSize(1);
		assertThat(this.driver.fetch("orders", 1, Duration.ZERO)).isEmpty();
		this.metrics.refresh();
		assertThat(counter("fila.throttle.limited", "orders")).isEqualTo(1);
		Thread.sleep(250);
		this.driver.stats("orders");
		this.metrics.refresh();
		assertThat(counter("fila.messages.expired", "orders")).isEqualTo(1);
	}

	@Test
	void countsRunningConsumersLive() {
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(this.queues, Map.of());
		this.factories.add(factory);
		FilaListenerContainer container = factory.create(new FilaListenerEndpoint("worker",
				new ConsumerConfig("orders", 1, 1, true, Duration.ofSeconds(1)), "test", (message, ack) -> {
				}));
		this.listeners.register(container);
		this.metrics.refresh();
		assertThat(gauge("fila.queue.consumers", "orders")).isZero();
		this.listeners.start();
		assertThat(gauge("fila.queue.consumers", "orders")).isEqualTo(1);
	}

	@Test
	void replyQueuesGetNoMetersAndDeletedQueuesLoseThem() {
		this.queues.binding("jobs");
		this.queues.bindingOn("fila-reply-123", this.driver);
		this.metrics.refresh();
		assertThat(this.registry.find("fila.queue.depth").tag("queue", "jobs").gauge()).isNotNull();
		assertThat(this.registry.find("fila.queue.depth").tag("queue", "fila-reply-123").gauge()).isNull();
		this.queues.forget("jobs");
		this.metrics.refresh();
		assertThat(this.registry.find("fila.queue.depth").tag("queue", "jobs").gauge()).isNull();
		assertThat(this.registry.find("fila.messages.expired").tag("queue", "jobs").functionCounter()).isNull();
	}

	@Test
	void gaugesAreNaNWhileTheDriverCannotBeRead() {
		this.queues.createDeclaredQueues();
		enqueue("orders", "a", 1, List.of());
		this.metrics.refresh();
		assertThat(gauge("fila.queue.depth", "orders")).isEqualTo(1);
		this.driver.failing = true;
		this.metrics.refresh();
		assertThat(gauge("fila.queue.depth", "orders")).isNaN();
		this.driver.failing = false;
		this.metrics.refresh();
		assertThat(gauge("fila.queue.depth", "orders")).isEqualTo(1);
	}

	@Test
	void startRefreshesInTheBackground() {
		this.queues.createDeclaredQueues();
		this.metrics.start();
		assertThat(this.metrics.isRunning()).isTrue();
		await().atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.registry.find("fila.queue.depth").tag("queue", "orders").gauge())
				.isNotNull());
		enqueue("orders", "a", 4, List.of());
		await().atMost(Duration.ofSeconds(2)).until(() -> gauge("fila.queue.depth", "orders") == 4);
		this.metrics.stop();
		assertThat(this.metrics.isRunning()).isFalse();
	}

	static class FailingMemoryDriver extends MemoryDriver {

		volatile boolean failing;

		FailingMemoryDriver() {
			super("memory");
		}

		@Override
		public QueueStats stats(String queue) {
			if (this.failing) {
				throw new IllegalStateException("unreachable");
			}
			return super.stats(queue);
		}

	}

}
