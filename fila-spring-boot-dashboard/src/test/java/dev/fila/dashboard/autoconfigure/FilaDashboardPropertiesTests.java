package dev.fila.dashboard.autoconfigure;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fila.core.FilaConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class FilaDashboardPropertiesTests {

	@ParameterizedTest
	@ValueSource(strings = { "/fila", "/fila/", "/ops/queues", "/ops/fila-dashboard_1.0" })
	void validPaths(String path) {
		FilaDashboardProperties properties = new FilaDashboardProperties();
		properties.setPath(path);
		assertThat(properties.validatedPath()).startsWith("/").doesNotEndWith("/");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "fila", "/", "///", "/fila/*", "/fila/**", "/{queue}", "/fila?x", "/fila#x", "/a b",
			"/a//b", "/fila;x", "/fila%2F", "/a\\b" })
	void invalidPathsNameThePropertyAndTheRule(String path) {
		FilaDashboardProperties properties = new FilaDashboardProperties();
		properties.setPath(path);
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(properties::validatedPath)
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fila.dashboard.path");
				assertThat(ex.getValue()).isEqualTo(path);
				assertThat(ex.getAllowed()).contains("starts with '/'");
				assertThat(ex.getCause()).isNotNull();
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { "/fila/" })
	void trailingSlashIsDropped(String path) {
		FilaDashboardProperties properties = new FilaDashboardProperties();
		properties.setPath(path);
		assertThat(properties.validatedPath()).isEqualTo("/fila");
	}

}
