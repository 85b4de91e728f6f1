package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How the AMQP driver's {@code key-shards} and {@code key-idle-expiry} options are read: their
 * defaults and their bounds.
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

	@Test
	void keyQueuesExpireAfterAnHourIdleByDefaultAndZeroTurnsExpiryOff() {
		assertThat(AmqpDriverFactory.options("amqp", Map.of()).keyIdleExpiry()).isEqualTo(Duration.ofHours(1));
		assertThat(AmqpDriverFactory.options("amqp", Map.of("key-idle-expiry", "0")).keyIdleExpiry()).isZero();
		assertThat(AmqpDriverFactory.options("amqp", Map.of("key-idle-expiry", "10m")).keyIdleExpiry())
			.isEqualTo(Duration.ofMinutes(10));
	}

	@Test
	void anExpiryShorterThanASecondNamesThePropertyAndTheBadValue() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> AmqpDriverFactory.options("amqp", Map.of("key-idle-expiry", "500ms")))
			.withMessageContaining("fila.drivers.amqp.options.key-idle-expiry")
			.withMessageContaining("500ms")
			.withMessageContaining("at least 1s");
	}

}
