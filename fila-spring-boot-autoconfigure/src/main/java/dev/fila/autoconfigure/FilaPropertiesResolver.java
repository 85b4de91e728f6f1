package dev.fila.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.fila.core.ConfigurationProblems;
import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.ConsumerSettings;
import dev.fila.lua.LuaSettings;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.FilaThrottles;
import dev.fila.queue.QueueDefinition;
import dev.fila.queue.QueueNames;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.RetryPolicy;

/**
 * Turns {@link FilaProperties} into drivers, queue definitions and consumer settings,
 * rejecting every bad value with a {@link FilaConfigurationException} that names the
 * property, the value and what is allowed.
 */
final class FilaPropertiesResolver {

	/** The driver types Fila knows, with the dependency each needs. */
	private static final Map<String, String> KNOWN_TYPES = Map.of(MemoryDriver.TYPE, "nothing (built in)", "amqp",
			"org.springframework.boot:spring-boot-starter-amqp (spring-rabbit)", "redis",
			"org.springframework.boot:spring-boot-starter-data-redis (spring-data-redis with Lettuce)");

	private FilaPropertiesResolver() {
	}

	/**
	 * Validates the whole configuration, then creates the configured drivers (a memory driver
	 * "memory" when none is declared).
	 * @param properties the properties
	 * @param factories a factory per driver type whose library is on the classpath
	 * @param names the properties set under {@code fila.drivers}, to report those no driver takes
	 */
	static FilaDrivers drivers(FilaProperties properties, List<FilaDriverFactory> factories, DriverPropertyNames names) {
		Map<String, FilaDriverFactory> factoriesByType = new LinkedHashMap<>();
		factories.forEach((factory) -> factoriesByType.putIfAbsent(factory.type(), factory));
		Map<String, FilaProperties.Driver> declared = new LinkedHashMap<>(properties.getDrivers());
		if (declared.isEmpty()) {
			FilaProperties.Driver memory = new FilaProperties.Driver();
			memory.setType(MemoryDriver.TYPE);
			declared.put(MemoryDriver.TYPE, memory);
		}
		Map<String, Supplier<FilaDriver>> creators = new LinkedHashMap<>();
		String defaultDriver = validate(properties, declared, factoriesByType, names, creators);
		Map<String, FilaDriver> drivers = new LinkedHashMap<>();
		try {
			creators.forEach((name, creator) -> drivers.put(name, creator.get()));
		}
		catch (RuntimeException ex) {
			drivers.values().forEach(FilaDriver::close);
			throw ex;
		}
		return new FilaDrivers(drivers, defaultDriver);
	}

	/** @return the configured throttles (validated with the drivers, by {@link #drivers}) */
	/**
	 * The in-flight limits of the declared queues; invalid values are left out here and
	 * reported with the queues' other problems.
	 */
	static Map<String, FilaFlowControl.Limits> inFlightLimits(FilaProperties properties) {
		Map<String, FilaFlowControl.Limits> limits = new LinkedHashMap<>();
		properties.getQueues().forEach((name, queue) -> {
			if (QueueNames.problem(name) == null) {
				Duration aging = queue.getPriorityAging();
				limits.put(name, new FilaFlowControl.Limits(positiveOrNull(queue.getKeyMaxInFlight()),
						positiveOrNull(queue.getMaxInFlight()), (aging != null && isPriorityAging(aging)) ? aging : null));
			}
		});
		return limits;
	}

	/** The longest priority aging: stored as int milliseconds, and longer is no aging in practice. */
	static final Duration MAX_PRIORITY_AGING = Duration.ofDays(24);

	/**
	 * The longest lease, timeout or idle time Fila takes: drivers and Lua keep these in
	 * nanoseconds, some times 20, and past about 5,000 days that overflows (an
	 * ArithmeticException at start-up, or a limit already passed). Ten years is never in practice.
	 */
	static final Duration MAX_DURATION = Duration.ofDays(3650);

	private static boolean isPriorityAging(Duration aging) {
		return aging.toMillis() >= 1 && aging.compareTo(MAX_PRIORITY_AGING) <= 0;
	}

	private static @Nullable Integer positiveOrNull(@Nullable Integer value) {
		return (value != null && value > 0) ? value : null;
	}

	static Map<String, FilaThrottles.Throttle> throttles(FilaProperties properties) {
		Map<String, FilaThrottles.Throttle> throttles = new LinkedHashMap<>();
		properties.getThrottles()
			.forEach((key, throttle) -> throttles.put(key, new FilaThrottles.Throttle(throttle.getRate(), burst(throttle))));
		return throttles;
	}

	/**
	 * Checks every setting before anything is created, and fails once with all the bad ones,
	 * driver types first (a wrong type is the cause of most other errors), then each driver's
	 * options.
	 * @param creators receives what creates each driver
	 * @return the default driver's name, if any
	 */
	private static @Nullable String validate(FilaProperties properties, Map<String, FilaProperties.Driver> declared,
			Map<String, FilaDriverFactory> factoriesByType, DriverPropertyNames names,
			Map<String, Supplier<FilaDriver>> creators) {
		ConfigurationProblems problems = new ConfigurationProblems();
		Map<String, FilaDriverFactory> factoryByDriver = new LinkedHashMap<>();
		declared.forEach((name, driver) -> {
			FilaDriverFactory factory = problems.get(() -> factory(name, driver.getType(), factoriesByType));
			if (factory != null) {
				factoryByDriver.put(name, factory);
			}
		});
		factoryByDriver.forEach((name, factory) -> {
			names.check(name, factory.type(), problems);
			Supplier<FilaDriver> creator = problems.get(() -> factory.prepare(name, declared.get(name)));
			if (creator != null) {
				creators.put(name, creator);
			}
		});
		String defaultDriver = problems.get(() -> defaultDriver(properties.getDefaultDriver(), declared.keySet()));
		validateThrottles(properties, problems);
		if (properties.getDefaultDriver() == null || defaultDriver != null) {
			queues(properties, declared.keySet(), defaultDriver, problems);
		}
		consumers(properties, problems);
		problems.check(() -> luaSettings(properties));
		problems.throwIfAny();
		return defaultDriver;
	}

	private static FilaDriverFactory factory(String name, @Nullable String type,
			Map<String, FilaDriverFactory> factoriesByType) {
		String property = "fila.drivers." + name + ".type";
		if (type == null || type.isBlank()) {
			throw new FilaConfigurationException(property, type, "one of " + new TreeSet<>(KNOWN_TYPES.keySet()));
		}
		FilaDriverFactory factory = factoriesByType.get(type);
		if (factory != null) {
			return factory;
		}
		String dependency = KNOWN_TYPES.get(type);
		if (dependency != null) {
			throw new FilaConfigurationException(property, type,
					"a driver type whose library is on the classpath: the '" + type + "' driver needs " + dependency
							+ "; add that dependency");
		}
		Set<String> allowed = new TreeSet<>(KNOWN_TYPES.keySet());
		allowed.addAll(factoriesByType.keySet());
		throw new FilaConfigurationException(property, type, "one of " + allowed);
	}

	private static @Nullable String defaultDriver(@Nullable String configured, Set<String> names) {
		if (configured != null) {
			if (!names.contains(configured)) {
				throw new FilaConfigurationException("fila.default-driver", configured,
						"the name of a declared driver, one of " + names);
			}
			return configured;
		}
		if (names.contains(MemoryDriver.TYPE)) {
			return MemoryDriver.TYPE;
		}
		return (names.size() == 1) ? names.iterator().next() : null;
	}

	private static void validateThrottles(FilaProperties properties, ConfigurationProblems problems) {
		properties.getThrottles().forEach((key, throttle) -> {
			if (!(throttle.getRate() > 0) || Double.isInfinite(throttle.getRate())) {
				problems.add(new FilaConfigurationException("fila.throttles." + key + ".rate", throttle.getRate(),
						"a positive finite number of permits per second"));
			}
			if (throttle.getBurst() != null && throttle.getBurst() < 1) {
				problems.add(new FilaConfigurationException("fila.throttles." + key + ".burst", throttle.getBurst(),
						"an integer of at least 1"));
			}
		});
	}

	private static long burst(FilaProperties.Throttle throttle) {
		return (throttle.getBurst() != null) ? throttle.getBurst() : Math.max(1, (long) Math.ceil(throttle.getRate()));
	}

	/** Validates and converts the declared queues. */
	static Map<String, QueueDefinition> queues(FilaProperties properties, FilaDrivers drivers) {
		Set<String> names = driverNames(drivers);
		ConfigurationProblems problems = new ConfigurationProblems();
		Map<String, QueueDefinition> queues = queues(properties, names, drivers.defaultDriverName(), problems);
		problems.throwIfAny();
		return queues;
	}

	private static Map<String, QueueDefinition> queues(FilaProperties properties, Set<String> driverNames,
			@Nullable String defaultDriver, ConfigurationProblems problems) {
		Map<String, QueueDefinition> queues = new LinkedHashMap<>();
		properties.getQueues()
			.forEach((name, queue) -> problems.check(() -> queues.put(name, queue(name, queue, driverNames, defaultDriver))));
		return queues;
	}

	/**
	 * @throws FilaConfigurationException for the first bad value of the queue, its other bad
	 * values suppressed in it
	 */
	private static QueueDefinition queue(String name, FilaProperties.Queue queue, Set<String> driverNames,
			@Nullable String defaultDriver) {
		ConfigurationProblems problems = new ConfigurationProblems();
		String prefix = "fila.queues." + name;
		if (QueueNames.problem(name) != null) {
			problems.add(new FilaConfigurationException(prefix, name, "queue names of " + QueueNames.RULE));
		}
		if (queue.getDriver() != null && !driverNames.contains(queue.getDriver())) {
			problems.add(new FilaConfigurationException(prefix + ".driver", queue.getDriver(),
					"the name of a declared driver, one of " + new TreeSet<>(driverNames)));
		}
		if (queue.getDriver() == null && defaultDriver == null) {
			problems.add(new FilaConfigurationException("fila.default-driver", null,
					"the name of a declared driver (queue '" + name + "' names no driver), one of "
							+ new TreeSet<>(driverNames)));
		}
		Duration visibilityTimeout = queue.getVisibilityTimeout();
		if (visibilityTimeout.compareTo(QueueDefinition.MIN_VISIBILITY_TIMEOUT) < 0
				|| visibilityTimeout.compareTo(MAX_DURATION) > 0) {
			problems.add(new FilaConfigurationException(prefix + ".visibility-timeout", visibilityTimeout,
					"a duration of at least " + QueueDefinition.MIN_VISIBILITY_TIMEOUT.toMillis() + "ms and at most "
							+ MAX_DURATION.toDays() + "d"));
		}
		if (queue.getQuantum() < 1) {
			problems.add(new FilaConfigurationException(prefix + ".quantum", queue.getQuantum(),
					"an integer of at least 1"));
		}
		if (queue.getKeyMaxInFlight() != null && queue.getKeyMaxInFlight() < 1) {
			problems.add(new FilaConfigurationException(prefix + ".key-max-in-flight", queue.getKeyMaxInFlight(),
					"an integer of at least 1, or unset for no limit"));
		}
		if (queue.getMaxInFlight() != null && queue.getMaxInFlight() < 1) {
			problems.add(new FilaConfigurationException(prefix + ".max-in-flight", queue.getMaxInFlight(),
					"an integer of at least 1, or unset for no limit"));
		}
		if (queue.getPriorityAging() != null && !isPriorityAging(queue.getPriorityAging())) {
			problems.add(new FilaConfigurationException(prefix + ".priority-aging", queue.getPriorityAging(),
					"a duration from 1ms to " + MAX_PRIORITY_AGING.toDays() + "d, or unset for no aging"));
		}
		checkRetry(prefix + ".retry", queue.getRetry(), problems);
		problems.throwIfAny();
		FilaProperties.Retry retry = queue.getRetry();
		return new QueueDefinition(name, queue.getDriver(), visibilityTimeout, queue.getQuantum(), queue.isDeadLetter(),
				new RetryPolicy(retry.getMaxAttempts(), retry.getInitialDelay(), retry.getMultiplier(),
						retry.getMaxDelay()),
				queue.getOnEnqueue(), queue.getOnFailure());
	}

	private static void checkRetry(String prefix, FilaProperties.Retry retry, ConfigurationProblems problems) {
		if (retry.getMaxAttempts() < 1) {
			problems.add(new FilaConfigurationException(prefix + ".max-attempts", retry.getMaxAttempts(),
					"an integer of at least 1"));
		}
		// Bounded like max-delay: a longer first delay is cut to max-delay anyway, and one past
		// Long milliseconds overflowed on every failure.
		if (!isRetryDelay(retry.getInitialDelay())) {
			problems.add(new FilaConfigurationException(prefix + ".initial-delay", retry.getInitialDelay(),
					"a duration from 0 to " + FailureDecision.MAX_RETRY_DELAY.toDays() + " days (the longest retry delay)"));
		}
		if (!(retry.getMultiplier() >= 1.0)) {
			problems.add(new FilaConfigurationException(prefix + ".multiplier", retry.getMultiplier(),
					"a number of at least 1.0"));
		}
		if (!isRetryDelay(retry.getMaxDelay())) {
			problems.add(new FilaConfigurationException(prefix + ".max-delay", retry.getMaxDelay(),
					"a duration from 0 to " + FailureDecision.MAX_RETRY_DELAY.toDays() + " days (the longest retry delay)"));
		}
	}

	private static boolean isRetryDelay(Duration delay) {
		return !delay.isNegative() && delay.compareTo(FailureDecision.MAX_RETRY_DELAY) <= 0;
	}

	/** Validates and converts the configured consumers. */
	static Map<String, ConsumerConfig> consumers(FilaProperties properties) {
		ConfigurationProblems problems = new ConfigurationProblems();
		Map<String, ConsumerConfig> consumers = consumers(properties, problems);
		problems.throwIfAny();
		return consumers;
	}

	private static Map<String, ConsumerConfig> consumers(FilaProperties properties, ConfigurationProblems problems) {
		Map<String, ConsumerConfig> consumers = new LinkedHashMap<>();
		properties.getConsumers().forEach((id, consumer) -> problems.check(() -> {
			ConfigurationProblems consumerProblems = new ConfigurationProblems();
			String prefix = "fila.consumers." + id;
			consumerProblems.check(() -> ranged(prefix + ".concurrency", consumer.getConcurrency(), 1000,
					ConsumerSettings.CONCURRENCY_RANGE));
			consumerProblems.check(
					() -> ranged(prefix + ".prefetch", consumer.getPrefetch(), 10000, ConsumerSettings.PREFETCH_RANGE));
			if (consumer.getShutdownTimeout() != null && consumer.getShutdownTimeout().isNegative()) {
				consumerProblems.add(new FilaConfigurationException(prefix + ".shutdown-timeout",
						consumer.getShutdownTimeout(), "a duration of 0 or more"));
			}
			if (consumer.getQueue() != null) {
				String queue = consumer.getQueue();
				String checked = queue.endsWith(".dlq") ? QueueNames.sourceOf(queue) : queue;
				if (QueueNames.problem(checked) != null) {
					consumerProblems.add(new FilaConfigurationException(prefix + ".queue", queue,
							"queue names of " + QueueNames.RULE));
				}
			}
			consumerProblems.throwIfAny();
			consumers.put(id, new ConsumerConfig(consumer.getQueue(), consumer.getConcurrency(),
					consumer.getPrefetch(), consumer.getAutoStartup(), consumer.getShutdownTimeout()));
		}));
		return consumers;
	}

	/** Validates and converts the Lua limits. */
	static LuaSettings luaSettings(FilaProperties properties) {
		FilaProperties.Lua lua = properties.getLua();
		ConfigurationProblems problems = new ConfigurationProblems();
		problems.check(() -> positive("fila.lua.timeout", lua.getTimeout()));
		problems.check(() -> positive("fila.lua.handler-timeout", lua.getHandlerTimeout()));
		if (lua.getCircuitBreaker().getFailureThreshold() < 1) {
			problems.add(new FilaConfigurationException("fila.lua.circuit-breaker.failure-threshold",
					lua.getCircuitBreaker().getFailureThreshold(), "an integer of at least 1"));
		}
		Duration cooldown = lua.getCircuitBreaker().getCooldown();
		if (cooldown.isNegative() || cooldown.compareTo(MAX_DURATION) > 0) {
			problems.add(new FilaConfigurationException("fila.lua.circuit-breaker.cooldown", cooldown,
					"a duration from 0 to " + MAX_DURATION.toDays() + "d"));
		}
		problems.throwIfAny();
		return new LuaSettings(lua.getTimeout(), lua.getHandlerTimeout(), lua.getCircuitBreaker().getFailureThreshold(),
				lua.getCircuitBreaker().getCooldown());
	}

	private static void ranged(String property, @Nullable Integer value, int max, String allowed) {
		if (value != null && (value < 1 || value > max)) {
			throw new FilaConfigurationException(property, value, allowed);
		}
	}

	private static void positive(String property, Duration duration) {
		if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
			throw new FilaConfigurationException(property, duration,
					"a positive duration of at most " + MAX_DURATION.toDays() + "d");
		}
	}

	private static Set<String> driverNames(FilaDrivers drivers) {
		Set<String> names = new TreeSet<>();
		drivers.all().forEach((driver) -> names.add(driver.name()));
		return names;
	}

}
