package dev.fila.config;

import java.util.Objects;

/**
 * A stored setting: its value and where it came from, so that a restart with unchanged
 * configuration never undoes a change made at run time.
 *
 * @param value the value
 * @param origin who set it last
 */
public record Setting(String value, Origin origin) {

	public Setting {
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(origin, "origin");
	}

	/**
	 * @param value the value
	 * @return a value from the application's configuration ({@code fila.config},
	 * {@code fila.throttles})
	 */
	public static Setting configured(String value) {
		return new Setting(value, Origin.CONFIGURED);
	}

	/**
	 * @param value the value
	 * @return a value set at run time ({@code FilaAdmin}, the actuator endpoint)
	 */
	public static Setting runtime(String value) {
		return new Setting(value, Origin.RUNTIME);
	}

	/** Who set a setting last. */
	public enum Origin {

		/** The application's configuration, applied at start-up. */
		CONFIGURED,

		/** An operator at run time; it survives restarts until changed again. */
		RUNTIME

	}

}
