package dev.fila.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.endpoint.FilaEndpointAutoConfiguration;
import dev.fila.autoconfigure.health.FilaHealthContributorAutoConfiguration;
import dev.fila.autoconfigure.metrics.FilaMetricsAutoConfiguration;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.FilaListenerRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The actuator and Micrometer are optional: with their packages hidden, every Fila
 * auto-configuration is imported the way Spring Boot imports them (filtered by class
 * conditions before loading), and the starter works.
 */
class FilaWithoutActuatorTests {

	@Test
	void starterWorksWithoutActuatorHealthAndMicrometerMeters() {
		new ApplicationContextRunner()
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
					"org.springframework.boot.health", "org.springframework.boot.micrometer", "io.micrometer.core"))
			.withUserConfiguration(Application.class, Listener.class)
			.withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeanNamesForType(Object.class))
					.noneMatch((name) -> name.startsWith("filaHealth") || name.startsWith("filaEndpoint")
							|| name.startsWith("filaMicrometer") || name.equals("filaQueueMetrics")
							|| name.equals("filaObservationSwitch"));
				context.getBean(FilaTemplate.class).enqueue("jobs", "hello");
				org.awaitility.Awaitility.await()
					.atMost(Duration.ofSeconds(5))
					.until(() -> context.getBean(Listener.class).received == 1);
				assertThat(context.getBean(FilaListenerRegistry.class).isRunning("jobs-worker")).isTrue();
			});
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ FilaAutoConfiguration.class, FilaMetricsAutoConfiguration.class,
			FilaHealthContributorAutoConfiguration.class, FilaEndpointAutoConfiguration.class })
	static class Application {

	}

	static class Listener {

		volatile int received;

		@FilaListener(queue = "jobs", id = "jobs-worker")
		void handle(String payload) {
			this.received++;
		}

	}

}
