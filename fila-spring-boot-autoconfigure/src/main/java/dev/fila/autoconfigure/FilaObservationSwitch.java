package dev.fila.autoconfigure;

import java.util.Map;

import io.micrometer.observation.ObservationRegistry;

/**
 * Spring Boot's {@code management.observations.enable.*} properties, read for Fila's own
 * observations once at start-up. Boot turns an observation off with a predicate that the
 * registry asks on every call, after the observation's context has been built; when those
 * properties turn {@code fila.listener} or {@code fila.enqueue} off, Fila gives its consumers
 * or its template no registry at all, so a message costs nothing for an observation that
 * would have been dropped. The lookup is Boot's: the observation's name, then each shorter
 * dot-separated prefix ({@code fila}), then {@code all}; enabled when none is set.
 */
final class FilaObservationSwitch {

	static final FilaObservationSwitch ALL_ENABLED = new FilaObservationSwitch(Map.of());

	private final Map<String, Boolean> enable;

	FilaObservationSwitch(Map<String, Boolean> enable) {
		this.enable = Map.copyOf(enable);
	}

	/**
	 * @param name an observation name
	 * @return whether Boot's properties leave it on
	 */
	boolean isEnabled(String name) {
		if (this.enable.isEmpty()) {
			return true;
		}
		String candidate = name;
		while (!candidate.isEmpty()) {
			Boolean value = this.enable.get(candidate);
			if (value != null) {
				return value;
			}
			int dot = candidate.lastIndexOf('.');
			candidate = (dot != -1) ? candidate.substring(0, dot) : "";
		}
		return this.enable.getOrDefault("all", true);
	}

	/**
	 * @param name an observation name
	 * @param registry the application's registry
	 * @return {@code registry}, or {@link ObservationRegistry#NOOP} when the observation is off
	 */
	ObservationRegistry registryFor(String name, ObservationRegistry registry) {
		return isEnabled(name) ? registry : ObservationRegistry.NOOP;
	}

}
