package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.convert.DurationStyle;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.DriverOptions;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDriverFactory;
import dev.fila.driver.MessageLimits;

/**
 * Creates {@link AmqpDriver AMQP drivers} on Spring Boot's RabbitMQ {@link ConnectionFactory}
 * ({@code spring.rabbitmq.*}). Options (all optional): {@code prefix} (RabbitMQ queue name
 * prefix, default {@code fila}), {@code quorum} (declare quorum queues, default false),
 * {@code key-prefetch} (most unacked messages per fairness-key queue, default 50),
 * {@code prefetch-budget} (how many messages a queue's keys may buffer together before
 * per-key prefetch shrinks, default 2000), {@code key-log-max-bytes} (retention of the key log
 * stream, default 64 MiB), {@code session-idle-timeout} (how long a queue is consumed after
 * its last fetch, default 30s) and {@code key-shards} (spread the keys over this many queues per
 * Fila queue instead of a queue per key; default 0, or 16 with {@code quorum}),
 * {@code max-payload-bytes} (default 16 MiB, at most 512 MiB) and {@code max-header-bytes}
 * (default 64 KiB, at most 96 KiB, so that headers fit RabbitMQ's default 128 KiB frame).
 */
public class AmqpDriverFactory implements FilaDriverFactory {

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
	 * message {@code fila-error} (at most {@link dev.fila.driver.ErrorHeader#MAX_BYTES}) and
	 * the source queue name, and the {@code x-death} headers RabbitMQ adds (about 1 KiB):
	 * 96 KiB + 6 KB + 4 KiB + 3 KiB leaves room in 128 KiB. With a smaller {@code frame_max}
	 * lower the option to about {@code frame_max - 32 KiB}.
	 */
	static final int MAX_HEADER_BYTES = 96 << 10;

	private static final Set<String> OPTIONS = Set.of("prefix", "quorum", "key-prefetch", "prefetch-budget",
			"key-log-max-bytes", "session-idle-timeout", "key-shards", "key-idle-expiry", MessageLimits.PAYLOAD_OPTION,
			MessageLimits.HEADER_OPTION);

	private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,40}");

	private final ObjectProvider<ConnectionFactory> connectionFactory;

	public AmqpDriverFactory(ObjectProvider<ConnectionFactory> connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public String type() {
		return AmqpDriver.TYPE;
	}

	@Override
	public FilaDriver create(String name, Map<String, String> options) {
		for (String option : options.keySet()) {
			if (!OPTIONS.contains(option)) {
				throw new FilaConfigurationException("fila.drivers." + name + ".options." + option, options.get(option),
						"one of the amqp driver options " + OPTIONS);
			}
		}
		ConnectionFactory factory = this.connectionFactory.getIfAvailable();
		if (factory == null) {
			throw new FilaConfigurationException("fila.drivers." + name + ".type", AmqpDriver.TYPE,
					"a driver type whose connection exists: the amqp driver uses Spring Boot's RabbitMQ ConnectionFactory; "
							+ "add org.springframework.boot:spring-boot-starter-amqp and configure spring.rabbitmq.*");
		}
		return new AmqpDriver(name, factory, options(name, options),
				MessageLimits.fromOptions(name, options, MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES));
	}

	static AmqpDriver.Options options(String name, Map<String, String> options) {
		AmqpDriver.Options defaults = AmqpDriver.Options.DEFAULTS;
		String prefix = options.getOrDefault("prefix", defaults.prefix());
		if (!PREFIX.matcher(prefix).matches()) {
			throw new FilaConfigurationException(DriverOptions.property(name, "prefix"), prefix,
					"1..40 characters of A-Za-z0-9._-");
		}
		boolean quorum = DriverOptions.parse(name, "quorum", options, defaults.quorum(), (value) -> {
			if (!value.equals("true") && !value.equals("false")) {
				throw new IllegalArgumentException();
			}
			return Boolean.parseBoolean(value);
		}, "true or false");
		int keyPrefetch = DriverOptions.parse(name, "key-prefetch", options, defaults.keyPrefetch(),
				(value) -> positive(Integer.parseInt(value), 10_000), "an integer in 1..10000");
		int budget = DriverOptions.parse(name, "prefetch-budget", options, defaults.prefetchBudget(),
				(value) -> positive(Integer.parseInt(value), 1_000_000), "an integer in 1..1000000");
		long maxBytes = DriverOptions.parse(name, "key-log-max-bytes", options, defaults.keyLogMaxBytes(), (value) -> {
			long bytes = Long.parseLong(value);
			if (bytes < (1 << 20)) {
				throw new IllegalArgumentException();
			}
			return bytes;
		}, "a number of bytes, at least 1048576");
		Duration idle = DriverOptions.parse(name, "session-idle-timeout", options, defaults.sessionIdleTimeout(), (value) -> {
			Duration duration = DurationStyle.detectAndParse(value);
			if (duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException();
			}
			return duration;
		}, "a positive duration such as 30s");
		int shards = DriverOptions.parse(name, "key-shards", options, AmqpDriver.Options.defaultKeyShards(quorum), (value) -> {
			int count = Integer.parseInt(value);
			if (count < 0 || count > AmqpDriver.Options.MAX_KEY_SHARDS) {
				throw new IllegalArgumentException();
			}
			return count;
		}, "an integer in 0.." + AmqpDriver.Options.MAX_KEY_SHARDS + " (0: a queue per fairness key)");
		Duration expiry = DriverOptions.parse(name, "key-idle-expiry", options, defaults.keyIdleExpiry(), (value) -> {
			Duration duration = DurationStyle.detectAndParse(value);
			if (!duration.isZero() && duration.compareTo(Duration.ofSeconds(1)) < 0) {
				throw new IllegalArgumentException();
			}
			return duration;
		}, "0 (never) or a duration of at least 1s, such as 1h");
		return new AmqpDriver.Options(prefix, quorum, keyPrefetch, budget, maxBytes, idle, shards, expiry);
	}

	private static int positive(int value, int max) {
		if (value < 1 || value > max) {
			throw new IllegalArgumentException();
		}
		return value;
	}

}
