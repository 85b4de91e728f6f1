package dev.fila.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

class FilaMetricsRecorderTests {

	private static final LeasedMessage MESSAGE = new LeasedMessage("id", "orders", Map.of(), new byte[0], "k", 1,
			List.of(), 1, Instant.now(), "1");

	@Test
	void boundRecordersOfARecorderThatDoesNotBindCallItsUnboundMethods() {
		Recording recording = new Recording();
		FilaMetricsRecorder.ConsumerRecorder consumer = recording.bindConsumer("worker", "orders", "memory");
		consumer.delivered(MESSAGE);
		consumer.acked(MESSAGE);
		consumer.nacked(MESSAGE, true);
		recording.bindQueue("orders", "memory").enqueued(3);
		assertThat(recording.events).containsExactly("delivered worker memory id", "acked worker memory id",
				"nacked worker memory id true", "enqueued orders memory 3");
	}

	@Test
	void compositeBindsEveryRecorder() {
		Recording first = new Recording();
		Recording second = new Recording();
		FilaMetricsRecorder all = FilaMetricsRecorder.of(List.of(first, second));
		all.bindConsumer("worker", "orders", "memory").delivered(MESSAGE);
		all.bindQueue("orders", "memory").enqueued(1);
		assertThat(first.events).containsExactly("delivered worker memory id", "enqueued orders memory 1");
		assertThat(second.events).isEqualTo(first.events);
	}

	@Test
	void noneBindsToRecordersThatDoNothing() {
		assertThat(FilaMetricsRecorder.NONE.bindConsumer("worker", "orders", "memory"))
			.isSameAs(FilaMetricsRecorder.ConsumerRecorder.NONE);
		assertThat(FilaMetricsRecorder.NONE.bindQueue("orders", "memory")).isSameAs(FilaMetricsRecorder.QueueRecorder.NONE);
		assertThat(FilaMetricsRecorder.of(List.of())).isSameAs(FilaMetricsRecorder.NONE);
	}

	/** Implements only the unbound methods, as a recorder written before binding existed. */
	static class Recording implements FilaMetricsRecorder {

		final List<String> events = new CopyOnWriteArrayList<>();

		@Override
		public void enqueued(String queue, String driver, int count) {
			this.events.add("enqueued " + queue + " " + driver + " " + count);
		}

		@Override
		public void delivered(String consumer, String driver, FilaMessage message) {
			this.events.add("delivered " + consumer + " " + driver + " " + message.id());
		}

		@Override
		public void acked(String consumer, String driver, FilaMessage message) {
			this.events.add("acked " + consumer + " " + driver + " " + message.id());
		}

		@Override
		public void nacked(String consumer, String driver, FilaMessage message, boolean deadLettered) {
			this.events.add("nacked " + consumer + " " + driver + " " + message.id() + " " + deadLettered);
		}

	}

}
