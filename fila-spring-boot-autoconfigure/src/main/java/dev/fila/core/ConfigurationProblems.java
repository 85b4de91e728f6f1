package dev.fila.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Collects the bad settings found while checking the configuration, so that start-up fails
 * once with all of them rather than at the first. The first problem found is thrown and
 * carries the others as suppressed exceptions, which the failure analyzer lists after
 * it: check causes before their consequences (driver types first) so that the
 * first one is the one to fix first.
 */
public final class ConfigurationProblems {

	private final List<FilaConfigurationException> problems = new ArrayList<>();

	/**
	 * Runs a check, keeping the problem it throws.
	 * @param check throws a {@link FilaConfigurationException} for a bad setting
	 */
	public void check(Runnable check) {
		get(() -> {
			check.run();
			return null;
		});
	}

	/**
	 * Runs a check that computes a value, keeping the problem it throws.
	 * @param <T> the value type
	 * @param check the check
	 * @return the value, or {@code null} when the check found a problem
	 */
	public <T> @Nullable T get(Supplier<T> check) {
		try {
			return check.get();
		}
		catch (FilaConfigurationException ex) {
			add(ex);
			return null;
		}
	}

	/**
	 * Keeps a problem, and any problems suppressed in it (a driver factory reports all the bad
	 * options of a driver in one exception).
	 * @param problem the problem
	 */
	public void add(FilaConfigurationException problem) {
		this.problems.add(problem);
		for (Throwable suppressed : problem.getSuppressed()) {
			if (suppressed instanceof FilaConfigurationException other) {
				this.problems.add(other);
			}
		}
	}

	/** @return whether a check found a problem */
	public boolean any() {
		return !this.problems.isEmpty();
	}

	/**
	 * @throws FilaConfigurationException the first problem, with the others suppressed in it
	 */
	public void throwIfAny() {
		if (this.problems.isEmpty()) {
			return;
		}
		FilaConfigurationException first = this.problems.get(0);
		List<Throwable> suppressed = List.of(first.getSuppressed());
		for (FilaConfigurationException problem : this.problems.subList(1, this.problems.size())) {
			if (!suppressed.contains(problem)) {
				first.addSuppressed(problem);
			}
		}
		throw first;
	}

}
