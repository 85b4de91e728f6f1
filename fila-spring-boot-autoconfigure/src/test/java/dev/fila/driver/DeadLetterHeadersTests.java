package dev.fila.driver;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaHeaders;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterHeadersTests {

	private final LeasedMessage failed = new LeasedMessage("m-1", "orders", Map.of("tenant", "acme"), new byte[0],
			"acme", 1, List.of(), 5, Instant.EPOCH, "token");

	@Test
	void deadLetteringKeepsTheMessagesHeadersAndAddsAttemptsErrorAndSource() {
		Map<String, String> dead = DeadLetterHeaders.added(this.failed.headers(), this.failed, "boom");
		assertThat(dead).containsExactlyInAnyOrderEntriesOf(Map.of("tenant", "acme", FilaHeaders.ATTEMPTS, "5",
				FilaHeaders.ERROR, "boom", FilaHeaders.SOURCE_QUEUE, "orders"));
	}

	@Test
	void theErrorIsBoundedAndANullErrorIsEmpty() {
		String huge = "x".repeat(ErrorHeader.MAX_BYTES * 4);
		assertThat(DeadLetterHeaders.added(Map.of(), this.failed, huge).get(FilaHeaders.ERROR))
			.isEqualTo(ErrorHeader.value(huge))
			.hasSizeLessThanOrEqualTo(ErrorHeader.MAX_BYTES);
		assertThat(DeadLetterHeaders.added(Map.of(), this.failed, null)).containsEntry(FilaHeaders.ERROR, "");
	}

	@Test
	void redrivingRemovesExactlyTheDeadLetterHeaders() {
		Map<String, String> dead = DeadLetterHeaders.added(this.failed.headers(), this.failed, "boom");
		assertThat(DeadLetterHeaders.removed(dead)).isEqualTo(Map.of("tenant", "acme"));
	}

	@Test
	void theSourceQueueIsTheHeaderElseTheDeadLetterQueuesName() {
		assertThat(DeadLetterHeaders.sourceQueue(Map.of(FilaHeaders.SOURCE_QUEUE, "billing"), "orders.dlq"))
			.isEqualTo("billing");
		assertThat(DeadLetterHeaders.sourceQueue(Map.of(), "orders.dlq")).isEqualTo("orders");
	}

}
