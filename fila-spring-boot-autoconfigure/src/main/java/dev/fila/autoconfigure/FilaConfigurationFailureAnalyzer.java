package dev.fila.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.fila.core.FilaConfigurationException;

/**
 * Explains a bad Fila setting at start-up: which property, which value, what is allowed.
 */
class FilaConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<FilaConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, FilaConfigurationException cause) {
		StringBuilder description = new StringBuilder("Invalid Fila configuration:\n\n");
		description.append("    Property: ").append(cause.getProperty()).append('\n');
		description.append("    Value: ").append(cause.getValue()).append('\n');
		description.append("    Allowed: ").append(cause.getAllowed()).append('\n');
		if (cause.getCause() != null && cause.getCause().getMessage() != null) {
			description.append("    Reason: ").append(cause.getCause().getMessage()).append('\n');
		}
		String action = "Update " + cause.getProperty() + " to " + cause.getAllowed() + ".";
		return new FailureAnalysis(description.toString(), action, cause);
	}

}
