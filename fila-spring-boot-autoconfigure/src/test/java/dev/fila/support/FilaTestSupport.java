package dev.fila.support;

import dev.fila.core.FilaConfigurationException;

/**
 * Helpers shared by tests.
 */
public final class FilaTestSupport {

	private FilaTestSupport() {
	}

	/**
	 * @param failure a start-up failure
	 * @return the {@link FilaConfigurationException} in its cause chain
	 * @throws AssertionError when there is none
	 */
	public static FilaConfigurationException configurationCause(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof FilaConfigurationException fila) {
				return fila;
			}
		}
		throw new AssertionError("No FilaConfigurationException in " + failure, failure);
	}

}
