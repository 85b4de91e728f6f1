package dev.fila.observation;

import java.util.List;

import io.micrometer.common.KeyValue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultFilaEnqueueObservationConventionTests {

	private final DefaultFilaEnqueueObservationConvention convention = new DefaultFilaEnqueueObservationConvention();

	@Test
	void tagsAndNamesFollowTheQueueWhenQueuesAlternate() {
		for (int i = 0; i < 3; i++) {
			FilaEnqueueContext orders = new FilaEnqueueContext("orders", "memory", 1);
			assertThat(this.convention.getLowCardinalityKeyValues(orders))
				.containsExactly(KeyValue.of("driver", "memory"), KeyValue.of("queue", "orders"));
			assertThat(this.convention.getContextualName(orders)).isEqualTo("orders send");
			FilaEnqueueContext emails = new FilaEnqueueContext("emails", "shared", 1);
			assertThat(this.convention.getLowCardinalityKeyValues(emails))
				.containsExactly(KeyValue.of("driver", "shared"), KeyValue.of("queue", "emails"));
			assertThat(this.convention.getContextualName(emails)).isEqualTo("emails send");
		}
	}

	@Test
	void batchSizeAlwaysAndMessageIdOfASingleMessageOnceSent() {
		FilaEnqueueContext single = new FilaEnqueueContext("orders", "memory", 1);
		assertThat(this.convention.getHighCardinalityKeyValues(single))
			.containsExactly(KeyValue.of("fila.batch.size", "1"));
		single.setMessageIds(List.of("m-1"));
		assertThat(this.convention.getHighCardinalityKeyValues(single))
			.containsExactly(KeyValue.of("fila.batch.size", "1"), KeyValue.of("fila.message.id", "m-1"));
		FilaEnqueueContext batch = new FilaEnqueueContext("orders", "memory", 2);
		batch.setMessageIds(List.of("m-2", "m-3"));
		assertThat(this.convention.getHighCardinalityKeyValues(batch))
			.containsExactly(KeyValue.of("fila.batch.size", "2"));
	}

}
