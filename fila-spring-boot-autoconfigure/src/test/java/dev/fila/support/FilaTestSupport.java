package dev.fila.support;

import java.util.ArrayList;
import java.util.List;

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

	/**
	 * @param failure a reported configuration failure
	 * @return it and the problems suppressed in it, in the order the report lists them
	 */
	public static List<FilaConfigurationException> problems(FilaConfigurationException failure) {
		List<FilaConfigurationException> problems = new ArrayList<>();
		problems.add(failure);
		for (Throwable suppressed : failure.getSuppressed()) {
			problems.add((FilaConfigurationException) suppressed);
		}
		return problems;
	}

}
