package dev.fila.actuate;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaMetricsRecorder;
import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RecentKeyDeliveriesTests {

	private static LeasedMessage message(String queue, String key) {
		return new LeasedMessage("id", queue, Map.of(), new byte[0], key, 1, List.of(), 1, Instant.now(), "1");
	}

	@Test
	void countsDeliveriesPerKeyInTheWindow() {
		RecentKeyDeliveries deliveries = new RecentKeyDeliveries(10);
		for (int i = 0; i < 6; i++) {
			deliveries.delivered("worker", "memory", message("orders", "acme"));
		}
		for (int i = 0; i < 2; i++) {
			deliveries.delivered("worker", "memory", message("orders", "globex"));
		}
		RecentKeyDeliveries.Counts counts = deliveries.counts("orders");
		assertThat(counts.total()).isEqualTo(8);
		assertThat(counts.count("acme")).isEqualTo(6);
		assertThat(counts.share("acme")).isEqualTo(0.75);
		assertThat(counts.share("globex")).isEqualTo(0.25);
		assertThat(counts.share("initech")).isZero();
		assertThat(deliveries.counts("other").total()).isZero();
	}

	@Test
	void oldDeliveriesLeaveTheWindowSoMemoryStaysBounded() {
		RecentKeyDeliveries deliveries = new RecentKeyDeliveries(100);
		for (int i = 0; i < 10_000; i++) {
			deliveries.delivered("worker", "memory", message("orders", "key-" + i));
		}
		RecentKeyDeliveries.Counts counts = deliveries.counts("orders");
		assertThat(counts.total()).isEqualTo(100);
		assertThat(counts.byKey()).hasSize(100).containsKey("key-9999").doesNotContainKey("key-9899");
		for (int i = 0; i < 100; i++) {
			deliveries.delivered("worker", "memory", message("orders", "quiet"));
		}
		assertThat(deliveries.counts("orders").byKey()).containsOnlyKeys("quiet");
		assertThat(deliveries.counts("orders").share("quiet")).isEqualTo(1);
	}

	@Test
	void replyQueuesAreNotTracked() {
		RecentKeyDeliveries deliveries = new RecentKeyDeliveries();
		deliveries.delivered("none", "memory", message("fila-reply-123", "default"));
		assertThat(deliveries.counts("fila-reply-123").total()).isZero();
	}

	@Test
	void forgetDropsAQueue() {
		RecentKeyDeliveries deliveries = new RecentKeyDeliveries();
		deliveries.delivered("worker", "memory", message("orders", "a"));
		deliveries.forget("orders");
		assertThat(deliveries.counts("orders").total()).isZero();
	}

	@Test
	void boundConsumersWriteIntoTheirQueuesWindow() {
		RecentKeyDeliveries deliveries = new RecentKeyDeliveries(10);
		FilaMetricsRecorder.ConsumerRecorder bound = deliveries.bindConsumer("worker", "orders", "memory");
		bound.delivered(message("orders", "acme"));
		deliveries.delivered("puller", "memory", message("orders", "globex"));
		assertThat(deliveries.counts("orders").byKey()).containsOnlyKeys("acme", "globex");
		deliveries.forget("orders");
		bound.delivered(message("orders", "initech"));
		assertThat(deliveries.counts("orders").byKey()).containsOnlyKeys("initech");
		assertThat(deliveries.bindConsumer("none", "fila-reply-1", "memory"))
			.isSameAs(FilaMetricsRecorder.ConsumerRecorder.NONE);
	}

	@Test
	void windowMustHoldADelivery() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RecentKeyDeliveries(0));
	}

}
