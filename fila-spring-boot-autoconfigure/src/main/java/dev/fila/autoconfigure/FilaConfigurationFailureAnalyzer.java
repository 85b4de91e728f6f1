package dev.fila.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.fila.core.ConfigurationProblems;
import dev.fila.core.FilaConfigurationException;

/**
 * Explains bad Fila settings at start-up: for each, which property, which value, what is
 * allowed. Every problem found is listed (the others travel as suppressed exceptions of the
 * first, see {@link ConfigurationProblems}), the one to fix first at the top.
 */
class FilaConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<FilaConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, FilaConfigurationException cause) {
		List<FilaConfigurationException> problems = new ArrayList<>();
		problems.add(cause);
		for (Throwable suppressed : cause.getSuppressed()) {
			if (suppressed instanceof FilaConfigurationException problem) {
				problems.add(problem);
			}
		}
		StringBuilder description = new StringBuilder("Invalid Fila configuration");
		description.append((problems.size() == 1) ? ":\n" : " (" + problems.size() + " problems):\n");
		StringBuilder action = new StringBuilder();
		for (FilaConfigurationException problem : problems) {
			description.append('\n');
			description.append("    Property: ").append(problem.getProperty()).append('\n');
			description.append("    Value: ").append(problem.getValue()).append('\n');
			description.append("    Allowed: ").append(problem.getAllowed()).append('\n');
			if (problem.getCause() != null && problem.getCause().getMessage() != null) {
				description.append("    Reason: ").append(problem.getCause().getMessage()).append('\n');
			}
			if (!action.isEmpty()) {
				action.append('\n');
			}
			action.append("Update ").append(problem.getProperty()).append(" to ").append(problem.getAllowed()).append('.');
		}
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

}
