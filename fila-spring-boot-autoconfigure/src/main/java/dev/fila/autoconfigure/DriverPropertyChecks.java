package dev.fila.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

import dev.fila.core.ConfigurationProblems;
import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.MessageLimits;

/**
 * Checks the options of one driver, {@code fila.drivers.<name>.<type>.*}, keeping every bad
 * one: each names the full property, its value and what is allowed.
 */
final class DriverPropertyChecks {

	private final String prefix;

	private final ConfigurationProblems problems = new ConfigurationProblems();

	/**
	 * @param name the driver name
	 * @param type the driver type, which names the section of its options
	 */
	DriverPropertyChecks(String name, String type) {
		this.prefix = "fila.drivers." + name + "." + type;
	}

	/**
	 * @param option an option in kebab case, such as {@code key-shards}
	 * @return its full property name
	 */
	String property(String option) {
		return this.prefix + "." + option;
	}

	/**
	 * @param <T> the option's type
	 * @param option the option in kebab case
	 * @param value its value; {@code null} (not set) is valid
	 * @param valid whether a value is allowed
	 * @param allowed what is allowed, for the message
	 */
	<T> void check(String option, @Nullable T value, Predicate<? super T> valid, String allowed) {
		if (value != null && !valid.test(value)) {
			this.problems.add(new FilaConfigurationException(property(option), display(value), allowed));
		}
	}

	/**
	 * Checks an option against a range of integers.
	 * @param option the option in kebab case
	 * @param value its value; {@code null} (not set) is valid
	 * @param min the lowest allowed value
	 * @param max the highest allowed value
	 * @param meaning what the value means, appended to the message, or an empty string
	 */
	void range(String option, @Nullable Integer value, int min, int max, String meaning) {
		check(option, value, (number) -> number >= min && number <= max, "an integer in " + min + ".." + max + meaning);
	}

	/**
	 * Checks the message size limits, which every driver type takes, against what the
	 * driver's backend can take.
	 * @param limits the driver's limits options
	 * @param maxPayload the largest payload limit the backend can take, in bytes
	 * @param maxHeader the largest header limit the backend can take, in bytes
	 */
	void limits(FilaProperties.DriverLimits limits, int maxPayload, int maxHeader) {
		check("max-payload-bytes", limits.getMaxPayloadBytes(), bytesUpTo(maxPayload), sizes(maxPayload));
		check("max-header-bytes", limits.getMaxHeaderBytes(), bytesUpTo(maxHeader), sizes(maxHeader));
	}

	/**
	 * Maps checked limits options to the driver's limits, naming their properties in the
	 * errors of oversized messages.
	 * @param limits the driver's limits options, checked with {@link #limits}
	 * @return the limits
	 */
	MessageLimits toMessageLimits(FilaProperties.DriverLimits limits) {
		return MessageLimits.DEFAULTS
			.withMaxPayloadBytes(Math.toIntExact(limits.getMaxPayloadBytes().toBytes()), property("max-payload-bytes"))
			.withMaxHeaderBytes(Math.toIntExact(limits.getMaxHeaderBytes().toBytes()), property("max-header-bytes"));
	}

	/**
	 * @param problem a problem found beside the option checks, such as a missing connection
	 */
	void add(FilaConfigurationException problem) {
		this.problems.add(problem);
	}

	/**
	 * @throws FilaConfigurationException the first problem found, the others suppressed in it
	 */
	void throwIfAny() {
		this.problems.throwIfAny();
	}

	private static Predicate<DataSize> bytesUpTo(int max) {
		return (size) -> size.toBytes() >= 1024 && size.toBytes() <= max;
	}

	private static String sizes(int max) {
		return "a size from 1KB to " + DataSize.ofBytes(max).toKilobytes() + "KB (" + max + " bytes)";
	}

	/** @return the value as one would write it: a duration in its largest whole unit, such as 2m */
	private static Object display(Object value) {
		if (!(value instanceof Duration duration)) {
			return value;
		}
		for (ChronoUnit unit : List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS)) {
			if (!duration.isZero() && duration.toMillis() % unit.getDuration().toMillis() == 0) {
				return DurationStyle.SIMPLE.print(duration, unit);
			}
		}
		return DurationStyle.SIMPLE.print(duration);
	}

}
