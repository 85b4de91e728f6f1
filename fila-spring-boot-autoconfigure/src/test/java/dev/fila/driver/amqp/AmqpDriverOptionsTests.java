package dev.fila.driver.amqp;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How the AMQP driver's {@code key-shards} option is read: its defaults and its bounds.
 */
class AmqpDriverOptionsTests {

	@Test
	void classicQueuesDefaultToAQueuePerKey() {
		assertThat(AmqpDriverFactory.options("amqp", Map.of()).keyShards()).isZero();
	}

	@Test
	void quorumQueuesDefaultToSixteenShards() {
		assertThat(AmqpDriverFactory.options("amqp", Map.of("quorum", "true")).keyShards()).isEqualTo(16);
	}

	@Test
	void shardsCanBeSetOrTurnedOffExplicitly() {
		assertThat(AmqpDriverFactory.options("amqp", Map.of("key-shards", "64")).keyShards()).isEqualTo(64);
		assertThat(AmqpDriverFactory.options("amqp", Map.of("quorum", "true", "key-shards", "0")).keyShards())
			.isZero();
	}

	@Test
	void shardsOutOfRangeNameThePropertyAndTheBadValue() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> AmqpDriverFactory.options("amqp", Map.of("key-shards", "1025")))
			.withMessageContaining("fila.drivers.amqp.options.key-shards")
			.withMessageContaining("1025");
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> AmqpDriverFactory.options("amqp", Map.of("key-shards", "-1")));
	}

}
