package dev.fila.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.util.unit.DataSize;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.ErrorHeader;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.amqp.AmqpDriver;
import dev.fila.driver.amqp.AmqpDriverOptions;

/**
 * Creates {@link AmqpDriver AMQP drivers} from {@code fila.drivers.<name>.amqp.*}, on Spring
 * Boot's RabbitMQ {@link ConnectionFactory} ({@code spring.rabbitmq.*}).
 */
final class AmqpDriverFactory implements FilaDriverFactory {

	/**
	 * The highest {@code max-payload-bytes}: 512 MiB, RabbitMQ's own ceiling for
	 * {@code max_message_size} (whose default is 128 MiB on RabbitMQ 3.x, 16 MiB from 4.0: the
	 * broker's setting must allow what this option allows).
	 */
	static final int MAX_PAYLOAD_BYTES = 512 << 20;

	/**
	 * The highest {@code max-header-bytes}: 96 KiB. A message's properties and headers travel
	 * in one content-header frame, at most {@code frame_max} bytes (128 KiB by default). Beside
	 * the limited header bytes the frame holds: per header about 6 bytes of encoding (at most
	 * {@link MessageLimits#MAX_HEADERS} headers: 6 KB), Fila's own headers and properties (under
	 * 1 KiB, plus the fairness key and throttle keys, which are counted), on a dead-lettered
	 * message {@code fila-error} (at most {@link ErrorHeader#MAX_BYTES}) and the source queue
	 * name, and the {@code x-death} headers RabbitMQ adds (about 1 KiB): 96 KiB + 6 KB + 4 KiB
	 * + 3 KiB leaves room in 128 KiB. With a smaller {@code frame_max} lower the option to
	 * about {@code frame_max - 32 KiB}.
	 */
	static final int MAX_HEADER_BYTES = 96 << 10;

	private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,40}");

	private final ObjectProvider<ConnectionFactory> connectionFactory;

	AmqpDriverFactory(ObjectProvider<ConnectionFactory> connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public String type() {
		return AmqpDriver.TYPE;
	}

	@Override
	public Supplier<FilaDriver> prepare(String name, FilaProperties.Driver properties) {
		FilaProperties.Amqp amqp = properties.getAmqp();
		DriverPropertyChecks checks = new DriverPropertyChecks(name, AmqpDriver.TYPE);
		ConnectionFactory factory = this.connectionFactory.getIfAvailable();
		if (factory == null) {
			checks.add(new FilaConfigurationException("fila.drivers." + name + ".type", AmqpDriver.TYPE,
					"a driver type whose connection exists: the amqp driver uses Spring Boot's RabbitMQ ConnectionFactory; "
							+ "add org.springframework.boot:spring-boot-starter-amqp and configure spring.rabbitmq.*"));
		}
		check(amqp, checks);
		checks.throwIfAny();
		AmqpDriverOptions options = options(amqp);
		MessageLimits limits = checks.toMessageLimits(amqp);
		return () -> new AmqpDriver(name, factory, options, limits);
	}

	private static void check(FilaProperties.Amqp amqp, DriverPropertyChecks checks) {
		checks.check("prefix", amqp.getPrefix(), PREFIX.asMatchPredicate(), "1..40 characters of A-Za-z0-9._-");
		checks.range("key-prefetch", amqp.getKeyPrefetch(), 1, 10_000, "");
		checks.range("prefetch-budget", amqp.getPrefetchBudget(), 1, 1_000_000, "");
		checks.check("key-log-max-bytes", amqp.getKeyLogMaxBytes(), (size) -> size.toBytes() >= (1 << 20),
				"a size of at least 1MB (1048576 bytes)");
		// Both are kept in nanoseconds: FilaPropertiesResolver.MAX_DURATION keeps them from overflowing.
		Duration max = FilaPropertiesResolver.MAX_DURATION;
		checks.check("session-idle-timeout", amqp.getSessionIdleTimeout(),
				(timeout) -> !timeout.isNegative() && !timeout.isZero() && timeout.compareTo(max) <= 0,
				"a positive duration of at most " + max.toDays() + "d, such as 30s");
		checks.range("key-shards", amqp.getKeyShards(), 0, AmqpDriverOptions.MAX_KEY_SHARDS,
				" (0: a queue per fairness key)");
		checks.check("key-idle-expiry", amqp.getKeyIdleExpiry(),
				(expiry) -> expiry.isZero()
						|| (expiry.compareTo(Duration.ofSeconds(1)) >= 0 && expiry.compareTo(max) <= 0),
				"0 (never) or a duration of at least 1s and at most " + max.toDays() + "d, such as 1h");
		checks.check("priority-queues", amqp.isPriorityQueues(), (priorities) -> !priorities || !amqp.isQuorum(),
				"false with quorum: true (RabbitMQ 3.x quorum queues have no priorities)");
		checks.limits(amqp, MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES);
	}

	/**
	 * @param amqp checked options
	 * @return the driver's options; {@code key-shards} defaults by {@code quorum}
	 */
	static AmqpDriverOptions options(FilaProperties.Amqp amqp) {
		PropertyMapper map = PropertyMapper.get();
		AmqpDriverOptions options = AmqpDriverOptions.DEFAULTS;
		options = map.from(amqp::getPrefix).to(options, AmqpDriverOptions::withPrefix);
		options = map.from(amqp::isQuorum).to(options, AmqpDriverOptions::withQuorum);
		options = map.from(amqp::getKeyPrefetch).to(options, AmqpDriverOptions::withKeyPrefetch);
		options = map.from(amqp::getPrefetchBudget).to(options, AmqpDriverOptions::withPrefetchBudget);
		options = map.from(amqp::getKeyLogMaxBytes).as(DataSize::toBytes).to(options,
				AmqpDriverOptions::withKeyLogMaxBytes);
		options = map.from(amqp::getSessionIdleTimeout).to(options, AmqpDriverOptions::withSessionIdleTimeout);
		options = map.from(amqp::getKeyShards)
			.orFrom(() -> AmqpDriverOptions.defaultKeyShards(amqp.isQuorum()))
			.to(options, AmqpDriverOptions::withKeyShards);
		options = map.from(amqp::isPriorityQueues).to(options, AmqpDriverOptions::withPriorityQueues);
		return map.from(amqp::getKeyIdleExpiry).to(options, AmqpDriverOptions::withKeyIdleExpiry);
	}

}
