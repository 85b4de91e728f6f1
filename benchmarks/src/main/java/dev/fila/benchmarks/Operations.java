package dev.fila.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * What the benchmark application runs with of Fila's operations support. The actuator is on
 * the harness's classpath; these modes choose what an application would have:
 * <ul>
 * <li>{@code none}: as without the actuator. Spring Boot's metrics and observation
 * auto-configurations are excluded, so there is no {@code MeterRegistry} and no
 * {@code ObservationRegistry}: Fila records nothing and observes nothing.</li>
 * <li>{@code meters}: the actuator with Fila's defaults: its meters, no observations
 * ({@code fila.template.observation-enabled} and {@code fila.listener.observation-enabled}
 * are {@code false} unless set).</li>
 * <li>{@code all}: both observation properties on: Fila's meters, and the
 * {@code fila.enqueue} and {@code fila.listener} observations with Spring Boot's
 * observation-to-metrics handler.</li>
 * </ul>
 */
enum Operations {

	NONE(List.of("--spring.autoconfigure.exclude="
			+ "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration,"
			+ "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration,"
			+ "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration,"
			+ "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration")),

	METERS(List.of()),

	ALL(List.of("--fila.template.observation-enabled=true", "--fila.listener.observation-enabled=true"));

	private final List<String> springArgs;

	Operations(List<String> springArgs) {
		this.springArgs = springArgs;
	}

	/** @return the Spring Boot arguments that select this mode */
	List<String> springArgs() {
		return this.springArgs;
	}

	/** @return the mode's name on the command line */
	String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	static Operations of(String id) {
		for (Operations mode : values()) {
			if (mode.id().equals(id)) {
				return mode;
			}
		}
		throw new IllegalArgumentException("--operations takes none, meters or all, was " + id);
	}

}
