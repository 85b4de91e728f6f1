package dev.fila.dashboard.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.fila.core.FilaConfigurationException;

/**
 * Configuration of the Fila dashboard ({@code fila.dashboard.*}).
 */
@ConfigurationProperties("fila.dashboard")
public class FilaDashboardProperties {

	/** What {@link #validatedPath()} allows, as the start-up failure states it. */
	static final String PATH_RULE = "a path that starts with '/', is not '/' alone, and has no '*', '{', '}', '?', "
			+ "'#', ';', '%', '\\' or whitespace, such as /fila or /ops/queues";

	/**
	 * Whether to serve the dashboard (in a servlet web application with Spring MVC).
	 */
	private boolean enabled = true;

	/**
	 * Path of the dashboard page, relative to the servlet context; its assets and JSON API are
	 * under it.
	 */
	private String path = "/fila";

	/**
	 * Whether the dashboard only shows: no redrive, purge, pause or resume, weight, in-flight
	 * limit, throttle or runtime config change (every POST answers 403). When false, put the page
	 * behind the application's security.
	 */
	private boolean readOnly = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

	public boolean isReadOnly() {
		return this.readOnly;
	}

	public void setReadOnly(boolean readOnly) {
		this.readOnly = readOnly;
	}

	/**
	 * @return the path without a trailing {@code /}
	 * @throws FilaConfigurationException when the path is not {@link #PATH_RULE allowed}
	 */
	public String validatedPath() {
		String problem = pathProblem(this.path);
		if (problem != null) {
			throw new FilaConfigurationException("fila.dashboard.path", this.path, PATH_RULE,
					new IllegalArgumentException(problem));
		}
		String trimmed = this.path;
		while (trimmed.endsWith("/")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}

	private static @Nullable String pathProblem(@Nullable String path) {
		if (path == null || path.isEmpty()) {
			return "the path is empty";
		}
		if (!path.startsWith("/")) {
			return "the path does not start with '/'";
		}
		if (path.chars().allMatch((c) -> c == '/')) {
			return "the path is the root: the dashboard would take over the application's own pages";
		}
		if (path.contains("//")) {
			return "the path has an empty segment ('//')";
		}
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if ("*{}?#;%\\".indexOf(c) >= 0 || Character.isWhitespace(c) || Character.isISOControl(c)) {
				return "the path has '" + c + "', which would make it a pattern, a query or an encoded path";
			}
		}
		return null;
	}

}
