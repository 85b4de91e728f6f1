package dev.fila.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.util.unit.DataSize;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.amqp.AmqpDriverOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How {@code fila.drivers.<name>.amqp.*} become the AMQP driver's options: their defaults and
 * their bounds.
 */
class AmqpDriverFactoryTests {

	private final FilaProperties.Driver driver = new FilaProperties.Driver();

	private final FilaProperties.Amqp amqp = this.driver.getAmqp();

	@Test
	void thePropertiesDefaultsAreTheDriversDefaults() {
		assertThat(AmqpDriverFactory.options(this.amqp)).isEqualTo(AmqpDriverOptions.DEFAULTS);
	}

	@Test
	void everyPropertyReachesTheOptions() {
		this.amqp.setPrefix("app");
		this.amqp.setKeyPrefetch(10);
		this.amqp.setPrefetchBudget(500);
		this.amqp.setKeyLogMaxBytes(DataSize.ofMegabytes(8));
		this.amqp.setSessionIdleTimeout(Duration.ofSeconds(5));
		this.amqp.setKeyShards(8);
		this.amqp.setKeyIdleExpiry(Duration.ofMinutes(10));
		this.amqp.setPriorityQueues(true);
		assertThat(AmqpDriverFactory.options(this.amqp))
			.isEqualTo(new AmqpDriverOptions("app", false, 10, 500, 8L << 20, Duration.ofSeconds(5), 8,
					Duration.ofMinutes(10), true));
	}

	@Test
	void priorityQueuesWithQuorumQueuesNameThePropertyAndWhy() {
		this.amqp.setPriorityQueues(true);
		this.amqp.setQuorum(true);
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare)
			.withMessageContaining("fila.drivers.rabbit.amqp.priority-queues")
			.withMessageContaining("quorum queues have no priorities");
	}

	@Test
	void classicQueuesDefaultToAQueuePerKey() {
		assertThat(AmqpDriverFactory.options(this.amqp).keyShards()).isZero();
	}

	@Test
	void quorumQueuesDefaultToSixteenShards() {
		this.amqp.setQuorum(true);
		assertThat(AmqpDriverFactory.options(this.amqp).keyShards()).isEqualTo(16);
	}

	@Test
	void shardsCanBeSetOrTurnedOffExplicitly() {
		this.amqp.setKeyShards(64);
		assertThat(AmqpDriverFactory.options(this.amqp).keyShards()).isEqualTo(64);
		this.amqp.setQuorum(true);
		this.amqp.setKeyShards(0);
		assertThat(AmqpDriverFactory.options(this.amqp).keyShards()).isZero();
	}

	@Test
	void shardsOutOfRangeNameThePropertyAndTheBadValue() {
		this.amqp.setKeyShards(1025);
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare)
			.withMessageContaining("fila.drivers.rabbit.amqp.key-shards")
			.withMessageContaining("1025")
			.withMessageContaining("0..1024");
		this.amqp.setKeyShards(-1);
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare)
			.satisfies((ex) -> assertThat(ex.getValue()).isEqualTo("-1"));
	}

	@Test
	void keyQueuesExpireAfterAnHourIdleByDefaultAndZeroTurnsExpiryOff() {
		assertThat(AmqpDriverFactory.options(this.amqp).keyIdleExpiry()).isEqualTo(Duration.ofHours(1));
		this.amqp.setKeyIdleExpiry(Duration.ZERO);
		assertThat(AmqpDriverFactory.options(this.amqp).keyIdleExpiry()).isZero();
	}

	@Test
	void anExpiryShorterThanASecondNamesThePropertyAndTheBadValue() {
		this.amqp.setKeyIdleExpiry(Duration.ofMillis(500));
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare)
			.withMessageContaining("fila.drivers.rabbit.amqp.key-idle-expiry")
			.withMessageContaining("500ms")
			.withMessageContaining("at least 1s");
	}

	@Test
	void idleTimesPastTheNanosecondClocksNameTheirProperties() {
		// Both are kept in nanoseconds: 365000d overflowed when the driver was created, or on
		// every housekeeping run.
		this.amqp.setSessionIdleTimeout(Duration.ofDays(365_000));
		this.amqp.setKeyIdleExpiry(Duration.ofDays(365_000));
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare).satisfies((ex) -> {
			assertThat(ex.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.session-idle-timeout");
			assertThat(ex.getValue()).isEqualTo("365000d");
			assertThat(ex.getAllowed()).contains("3650d");
			assertThat(ex.getSuppressed()).singleElement()
				.isInstanceOfSatisfying(FilaConfigurationException.class, (other) -> {
					assertThat(other.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.key-idle-expiry");
					assertThat(other.getAllowed()).contains("3650d");
				});
		});
	}

	@Test
	void headersLargerThanAnAmqpFrameTakesFailWithTheOtherProblems() {
		this.amqp.setMaxHeaderBytes(DataSize.ofKilobytes(200));
		this.amqp.setPrefix("");
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this::prepare)
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.prefix");
				assertThat(ex.getSuppressed()).singleElement()
					.isInstanceOfSatisfying(FilaConfigurationException.class, (other) -> {
						assertThat(other.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.max-header-bytes");
						assertThat(other.getAllowed()).contains("96KB");
					});
			});
	}

	private void prepare() {
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton("connectionFactory", org.mockito.Mockito.mock(ConnectionFactory.class));
		ObjectProvider<ConnectionFactory> connectionFactory = beans.getBeanProvider(ConnectionFactory.class);
		new AmqpDriverFactory(connectionFactory).prepare("rabbit", this.driver);
	}

}
