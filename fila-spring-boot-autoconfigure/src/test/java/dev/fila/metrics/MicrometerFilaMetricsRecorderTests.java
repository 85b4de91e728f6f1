package dev.fila.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.fila.core.FilaMetricsRecorder;
import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

class MicrometerFilaMetricsRecorderTests {

	private final MockClock clock = new MockClock();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, this.clock);

	private final MicrometerFilaMetricsRecorder recorder = new MicrometerFilaMetricsRecorder(this.registry);

	private LeasedMessage message(String queue, int attempts, Instant enqueuedAt) {
		return new LeasedMessage("id", queue, Map.of(), new byte[0], "tenant-a", 1, List.of(), attempts, enqueuedAt,
				"1");
	}

	private double count(String name, String... tags) {
		return this.registry.get(name).tags(tags).counter().count();
	}

	@Test
	void countsEnqueuesAndRedrivesPerQueueAndDriver() {
		this.recorder.enqueued("orders", "memory", 3);
		this.recorder.enqueued("orders", "memory", 2);
		this.recorder.enqueued("emails", "shared", 1);
		this.recorder.redriven("orders", "memory", 4);
		assertThat(count("fila.messages.enqueued", "queue", "orders", "driver", "memory")).isEqualTo(5);
		assertThat(count("fila.messages.enqueued", "queue", "emails", "driver", "shared")).isEqualTo(1);
		assertThat(count("fila.messages.redriven", "queue", "orders", "driver", "memory")).isEqualTo(4);
	}

	@Test
	void countsDeliveriesAcksNacksAndDeadLettersPerConsumer() {
		LeasedMessage message = message("orders", 1, Instant.ofEpochMilli(this.clock.wallTime()));
		this.recorder.delivered("worker", "memory", message);
		this.recorder.delivered("worker", "memory", message);
		this.recorder.acked("worker", "memory", message);
		this.recorder.nacked("worker", "memory", message, false);
		this.recorder.nacked("worker", "memory", message, true);
		String[] tags = { "queue", "orders", "driver", "memory", "consumer", "worker" };
		assertThat(count("fila.messages.delivered", tags)).isEqualTo(2);
		assertThat(count("fila.messages.acked", tags)).isEqualTo(1);
		assertThat(count("fila.messages.nacked", tags)).isEqualTo(2);
		assertThat(count("fila.messages.dead_lettered", tags)).isEqualTo(1);
	}

	@Test
	void latencyIsEnqueueToHandlerStartOfFirstDeliveries() {
		Instant enqueuedAt = Instant.ofEpochMilli(this.clock.wallTime());
		this.clock.add(250, TimeUnit.MILLISECONDS);
		this.recorder.delivered("worker", "memory", message("orders", 1, enqueuedAt));
		this.clock.add(10, TimeUnit.SECONDS);
		this.recorder.delivered("worker", "memory", message("orders", 2, enqueuedAt));
		Timer latency = this.registry.get("fila.delivery.latency")
			.tags("queue", "orders", "driver", "memory", "consumer", "worker")
			.timer();
		assertThat(latency.count()).isEqualTo(1);
		assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
	}

	@Test
	void latencyNeverGoesNegativeWhenClocksDisagree() {
		this.recorder.delivered("worker", "shared",
				message("orders", 1, Instant.ofEpochMilli(this.clock.wallTime() + 5_000)));
		assertThat(this.registry.get("fila.delivery.latency").timer().totalTime(TimeUnit.MILLISECONDS)).isZero();
	}

	@Test
	void temporaryReplyQueuesShareOneTagValue() {
		this.recorder.enqueued("fila-reply-abc", "memory", 1);
		this.recorder.enqueued("fila-reply-def", "memory", 1);
		assertThat(this.registry.find("fila.messages.enqueued").counters()).hasSize(1);
		assertThat(count("fila.messages.enqueued", "queue", "fila-reply-*")).isEqualTo(2);
	}

	@Test
	void boundConsumerRecorderCountsIntoTheSameMeters() {
		LeasedMessage message = message("orders", 1, Instant.ofEpochMilli(this.clock.wallTime()));
		FilaMetricsRecorder.ConsumerRecorder bound = this.recorder.bindConsumer("worker", "orders", "memory");
		bound.delivered(message);
		bound.acked(message);
		bound.nacked(message, true);
		this.recorder.delivered("worker", "memory", message);
		String[] tags = { "queue", "orders", "driver", "memory", "consumer", "worker" };
		assertThat(count("fila.messages.delivered", tags)).isEqualTo(2);
		assertThat(count("fila.messages.acked", tags)).isEqualTo(1);
		assertThat(count("fila.messages.nacked", tags)).isEqualTo(1);
		assertThat(count("fila.messages.dead_lettered", tags)).isEqualTo(1);
		assertThat(this.registry.get("fila.delivery.latency").tags(tags).timer().count()).isEqualTo(2);
	}

	@Test
	void bindingRegistersTheMetersOnceAndDeliveriesRegisterNothing() {
		FilaMetricsRecorder.ConsumerRecorder bound = this.recorder.bindConsumer("worker", "orders", "memory");
		FilaMetricsRecorder.QueueRecorder queue = this.recorder.bindQueue("orders", "memory");
		int meters = this.registry.getMeters().size();
		assertThat(meters).isEqualTo(7);
		LeasedMessage message = message("orders", 1, Instant.ofEpochMilli(this.clock.wallTime()));
		for (int i = 0; i < 100; i++) {
			bound.delivered(message);
			bound.acked(message);
			queue.enqueued(1);
		}
		assertThat(this.registry.getMeters()).hasSize(meters);
		assertThat(this.recorder.bindConsumer("worker", "orders", "memory")).isSameAs(bound);
		assertThat(count("fila.messages.enqueued", "queue", "orders", "driver", "memory")).isEqualTo(100);
	}

	@Test
	void boundRecordersOfReplyQueuesShareOneTagValue() {
		this.recorder.bindQueue("fila-reply-abc", "memory").enqueued(1);
		this.recorder.bindQueue("fila-reply-def", "memory").enqueued(2);
		assertThat(count("fila.messages.enqueued", "queue", "fila-reply-*")).isEqualTo(3);
	}

}
