package dev.fila.driver.amqp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.driver.amqp.AmqpMessages.Envelope;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch is published grouped by key queue (cheaper for RabbitMQ's classic queues), and
 * grouping must never reorder the messages of one key.
 */
class AmqpPublishOrderTests {

	@Test
	void batchIsGroupedByKeyQueueKeepingEachKeysOrder() {
		List<Envelope> batch = new ArrayList<>();
		for (int i = 0; i < 9; i++) {
			batch.add(envelope("m" + i, "key-" + (i % 3)));
		}
		Map<String, String> keyQueues = Map.of("key-0", "q.k.key-0", "key-1", "q.k.key-1", "key-2", "q.k.key-2");

		List<String> ids = AmqpPublisher.byKeyQueue(batch, keyQueues).stream().map(Envelope::id).toList();

		assertThat(ids).containsExactly("m0", "m3", "m6", "m1", "m4", "m7", "m2", "m5", "m8");
	}

	@Test
	void keysSharingAShardStayInBatchOrder() {
		List<Envelope> batch = List.of(envelope("a1", "a"), envelope("b1", "b"), envelope("c1", "c"),
				envelope("a2", "a"), envelope("b2", "b"));
		Map<String, String> shards = Map.of("a", "q.s.0", "b", "q.s.1", "c", "q.s.0");

		List<String> ids = AmqpPublisher.byKeyQueue(batch, shards).stream().map(Envelope::id).toList();

		assertThat(ids).containsExactly("a1", "c1", "a2", "b1", "b2");
	}

	private static Envelope envelope(String id, String key) {
		return new Envelope(id, Map.of(), new byte[0], new Scheduling(key, 1, List.of()), 0, 0);
	}

}
