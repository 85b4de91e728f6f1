package dev.fila.autoconfigure.health;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;
import dev.fila.health.FilaHealthIndicator;

import static org.assertj.core.api.Assertions.assertThat;

class FilaHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(FilaAutoConfiguration.class, FilaHealthContributorAutoConfiguration.class));

	@Test
	void healthIndicatorNamedFila() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(FilaHealthIndicator.class).hasBean("filaHealthIndicator");
			assertThat(context.getBean(FilaHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void turnedOffWithManagementHealthFilaEnabled() {
		this.contextRunner.withPropertyValues("management.health.fila.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(FilaHealthIndicator.class));
	}

	@Test
	void turnedOffWithManagementHealthDefaultsEnabled() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(FilaHealthIndicator.class));
	}

	@Test
	void userHealthIndicatorWins() {
		this.contextRunner.withUserConfiguration(CustomHealthConfiguration.class)
			.run((context) -> assertThat(context).getBean("filaHealthIndicator")
				.isSameAs(context.getBean(CustomHealthConfiguration.class).indicator));
	}

	@Test
	void noHealthIndicatorAndAWorkingStarterWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(FilaHealthIndicator.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomHealthConfiguration {

		final Object indicator = new Object();

		@Bean
		Object filaHealthIndicator() {
			return this.indicator;
		}

	}


}
