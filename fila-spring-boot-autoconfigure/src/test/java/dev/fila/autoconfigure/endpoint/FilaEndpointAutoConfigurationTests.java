package dev.fila.autoconfigure.endpoint;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.actuate.FilaEndpoint;
import dev.fila.actuate.RecentKeyDeliveries;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class FilaEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class, FilaEndpointAutoConfiguration.class));

	@Test
	void endpointWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=fila")
			.run((context) -> assertThat(context).hasSingleBean(FilaEndpoint.class)
				.hasSingleBean(RecentKeyDeliveries.class));
	}

	@Test
	void noEndpointWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(FilaTemplate.class)
			.doesNotHaveBean(FilaEndpoint.class)
			.doesNotHaveBean(RecentKeyDeliveries.class));
	}

	@Test
	void noEndpointWhenAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=fila", "management.endpoint.fila.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(FilaEndpoint.class));
	}

	@Test
	void deliveriesAreTrackedForTheEndpoint() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=fila").run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("jobs", "x");
			template.receive("jobs", java.time.Duration.ofSeconds(1)).orElseThrow().ack();
			assertThat(context.getBean(RecentKeyDeliveries.class).counts("jobs").total()).isEqualTo(1);
			assertThat(context.getBean(FilaEndpoint.class).queue("jobs", null).recentDeliveries().counted())
				.isEqualTo(1);
		});
	}

	@Test
	void noEndpointAndAWorkingStarterWithoutTheActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.withPropertyValues("management.endpoints.web.exposure.include=fila")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(FilaEndpoint.class));
	}

}
