package dev.fila.core;

import org.jspecify.annotations.Nullable;

/**
 * Thrown at start-up for a bad Fila setting. It names the property (or annotation attribute),
 * the bad value and what is allowed, so the failure analyzer can tell the user what to change.
 */
public class FilaConfigurationException extends FilaException {

	private final String property;

	private final @Nullable String value;

	private final String allowed;

	/**
	 * @param property the property or annotation attribute, e.g. {@code fila.consumers.w.concurrency}
	 * @param value the bad value
	 * @param allowed what is allowed instead
	 */
	public FilaConfigurationException(String property, @Nullable Object value, String allowed) {
		this(property, value, allowed, null);
	}

	/**
	 * @param property the property or annotation attribute
	 * @param value the bad value
	 * @param allowed what is allowed instead
	 * @param cause the underlying failure, if any
	 */
	public FilaConfigurationException(String property, @Nullable Object value, String allowed,
			@Nullable Throwable cause) {
		super("Invalid value '" + value + "' for " + property + ": allowed " + allowed, cause);
		this.property = property;
		this.value = (value != null) ? value.toString() : null;
		this.allowed = allowed;
	}

	/** @return the property or annotation attribute */
	public String getProperty() {
		return this.property;
	}

	/** @return the bad value */
	public @Nullable String getValue() {
		return this.value;
	}

	/** @return what is allowed instead */
	public String getAllowed() {
		return this.allowed;
	}

}
