package dev.fila.driver;

import java.util.Map;
import java.util.function.Function;

import dev.fila.core.FilaConfigurationException;

/**
 * Reads a driver's {@code fila.drivers.<name>.options.*}: a value that does not parse is a
 * {@link FilaConfigurationException} naming the property and what it accepts.
 */
public final class DriverOptions {

	private DriverOptions() {
	}

	/**
	 * @param driver the driver name
	 * @param option the option key
	 * @param options the driver's options
	 * @param fallback the value when the option is not set
	 * @param parser parses the trimmed value; throws any runtime exception when it is invalid
	 * @param allowed what the option accepts, for the error message
	 * @param <T> the option's type
	 * @return the option's value
	 */
	public static <T> T parse(String driver, String option, Map<String, String> options, T fallback,
			Function<String, T> parser, String allowed) {
		String value = options.get(option);
		if (value == null) {
			return fallback;
		}
		try {
			return parser.apply(value.trim());
		}
		catch (RuntimeException ex) {
			throw new FilaConfigurationException(property(driver, option), value, allowed);
		}
	}

	/**
	 * @param driver the driver name
	 * @param option the option key
	 * @return the option's full property name
	 */
	public static String property(String driver, String option) {
		return "fila.drivers." + driver + ".options." + option;
	}

}
