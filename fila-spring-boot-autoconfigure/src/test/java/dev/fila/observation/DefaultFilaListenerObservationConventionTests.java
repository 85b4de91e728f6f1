package dev.fila.observation;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.micrometer.common.KeyValue;
import org.junit.jupiter.api.Test;

import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultFilaListenerObservationConventionTests {

	private final DefaultFilaListenerObservationConvention convention = new DefaultFilaListenerObservationConvention();

	private static FilaListenerContext context(String queue, String consumer, int attempts) {
		LeasedMessage message = new LeasedMessage("id-" + queue, queue, Map.of(), new byte[0], "k", 1, List.of(),
				attempts, Instant.now(), "1");
		return new FilaListenerContext(message, consumer, "memory");
	}

	@Test
	void tagsAndNamesFollowTheConsumerWhenConsumersAlternate() {
		for (int i = 0; i < 3; i++) {
			FilaListenerContext orders = context("orders", "order-worker", 1);
			assertThat(this.convention.getLowCardinalityKeyValues(orders)).containsExactly(
					KeyValue.of("consumer", "order-worker"), KeyValue.of("driver", "memory"),
					KeyValue.of("queue", "orders"));
			assertThat(this.convention.getContextualName(orders)).isEqualTo("orders process");
			FilaListenerContext emails = context("emails", "email-worker", 1);
			assertThat(this.convention.getLowCardinalityKeyValues(emails)).containsExactly(
					KeyValue.of("consumer", "email-worker"), KeyValue.of("driver", "memory"),
					KeyValue.of("queue", "emails"));
			assertThat(this.convention.getContextualName(emails)).isEqualTo("emails process");
		}
	}

	@Test
	void replyQueuesShareOneTagValue() {
		assertThat(this.convention.getLowCardinalityKeyValues(context("fila-reply-1", "none", 1)))
			.contains(KeyValue.of("queue", "fila-reply-*"));
		assertThat(this.convention.getContextualName(context("fila-reply-2", "none", 1)))
			.isEqualTo("fila-reply-* process");
	}

	@Test
	void messageKeyValuesAreTheDeliveredMessagesAndBuiltOncePerObservation() {
		FilaListenerContext context = context("orders", "order-worker", 3);
		assertThat(this.convention.getHighCardinalityKeyValues(context))
			.containsExactly(KeyValue.of("fila.attempts", "3"), KeyValue.of("fila.message.id", "id-orders"));
		assertThat(this.convention.getHighCardinalityKeyValues(context))
			.isSameAs(this.convention.getHighCardinalityKeyValues(context));
		assertThat(this.convention.getHighCardinalityKeyValues(context("emails", "order-worker", 1)))
			.contains(KeyValue.of("fila.message.id", "id-emails"));
	}

}
