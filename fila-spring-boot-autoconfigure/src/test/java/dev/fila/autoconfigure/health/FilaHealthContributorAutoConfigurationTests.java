package dev.fila.autoconfigure.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;

import static org.assertj.core.api.Assertions.assertThat;

class FilaHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class,
				FilaHealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class,
				HealthEndpointAutoConfiguration.class))
		.withPropertyValues("management.endpoint.health.show-details=always");

	@Test
	void healthContributorNamedFilaWithOneComponentPerDriver() {
		this.contextRunner.withPropertyValues("fila.drivers.local.type=memory", "fila.drivers.spare.type=memory")
			.run((context) -> {
				assertThat(context).hasBean("filaHealthContributor");
				CompositeHealthDescriptor fila = fila(context.getBean(HealthEndpoint.class));
				assertThat(fila.getStatus()).isEqualTo(Status.UP);
				assertThat(fila.getComponents()).containsOnlyKeys("local", "spare", "lua");
				IndicatedHealthDescriptor local = (IndicatedHealthDescriptor) fila.getComponents().get("local");
				assertThat(local.getStatus()).isEqualTo(Status.UP);
				assertThat(local.getDetails()).containsEntry("type", "memory");
			});
	}

	@Test
	void theDefaultMemoryDriverIsAComponentToo() {
		this.contextRunner.run((context) -> assertThat(fila(context.getBean(HealthEndpoint.class)).getComponents())
			.containsOnlyKeys("memory", "lua"));
	}

	@Test
	void aDownDriverMarksOnlyItsComponentDown() {
		this.contextRunner.withUserConfiguration(OneDriverDown.class).run((context) -> {
			HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
			CompositeHealthDescriptor fila = fila(endpoint);
			assertThat(fila.getStatus()).isEqualTo(Status.DOWN);
			Map<String, Status> statuses = new LinkedHashMap<>();
			fila.getComponents().forEach((name, component) -> statuses.put(name, component.getStatus()));
			assertThat(statuses).containsOnly(Map.entry("memory", Status.UP), Map.entry("shared", Status.DOWN),
					Map.entry("lua", Status.UP));
			assertThat(((IndicatedHealthDescriptor) fila.getComponents().get("shared")).getDetails())
				.containsEntry("error", "Connection refused");
			assertThat(endpoint.healthForPath("fila", "memory").getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void pingsRunOnTheApplicationsExecutor() {
		this.contextRunner.withUserConfiguration(OwnPingExecutor.class).run((context) -> {
			assertThat(fila(context.getBean(HealthEndpoint.class)).getStatus()).isEqualTo(Status.UP);
			assertThat(context.getBean(OwnPingExecutor.class).runs).hasValue(1);
		});
	}

	@Test
	void turnedOffWithManagementHealthFilaEnabled() {
		this.contextRunner.withPropertyValues("management.health.fila.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(FilaTemplate.class).doesNotHaveBean("filaHealthContributor");
			assertThat(context.getBean(HealthEndpoint.class).healthForPath("fila")).isNull();
		});
	}

	@Test
	void turnedOffWithManagementHealthDefaultsEnabled() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(CompositeHealthContributor.class));
	}

	@Test
	void userHealthIndicatorWins() {
		this.contextRunner.withUserConfiguration(CustomHealthIndicator.class).run((context) -> {
			assertThat(context).doesNotHaveBean("filaHealthContributor");
			assertThat(context.getBean(HealthEndpoint.class).healthForPath("fila"))
				.isInstanceOf(IndicatedHealthDescriptor.class);
		});
	}

	@Test
	void userHealthContributorWins() {
		this.contextRunner.withUserConfiguration(CustomHealthContributor.class)
			.run((context) -> assertThat(context).getBean("filaHealthContributor")
				.isSameAs(context.getBean(CustomHealthContributor.class).contributor));
	}

	@Test
	void noHealthContributorAndAWorkingStarterWithoutSpringBootHealth() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class,
				FilaHealthContributorAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean("filaHealthContributor"));
	}

	@Test
	void aFailingHookShowsItsErrorsAndItsOpenCircuitBreakerInTheLuaComponent() {
		this.contextRunner
			.withPropertyValues("fila.queues.orders.on-enqueue=function on_enqueue(msg) error('no tenant') end",
					"fila.lua.circuit-breaker.failure-threshold=3")
			.run((context) -> {
				for (int i = 0; i < 4; i++) {
					context.getBean(dev.fila.core.FilaTemplate.class).enqueue("orders", "o");
				}
				IndicatedHealthDescriptor lua = (IndicatedHealthDescriptor) fila(context.getBean(HealthEndpoint.class))
					.getComponents()
					.get("lua");
				assertThat(lua.getStatus()).isEqualTo(Status.UP);
				assertThat(lua.getDetails()).containsOnlyKeys("orders.on_enqueue");
				@SuppressWarnings("unchecked")
				java.util.Map<String, Object> hook = (java.util.Map<String, Object>) lua.getDetails()
					.get("orders.on_enqueue");
				assertThat(hook)
					.containsEntry("circuitBreaker", "open")
					.containsEntry("errors", 3L)
					.containsEntry("timeouts", 0L)
					.hasEntrySatisfying("lastError", (error) -> assertThat(error.toString()).contains("no tenant"));
			});
	}

	private static CompositeHealthDescriptor fila(HealthEndpoint endpoint) {
		HealthDescriptor fila = endpoint.healthForPath("fila");
		assertThat(fila).isInstanceOf(CompositeHealthDescriptor.class);
		return (CompositeHealthDescriptor) fila;
	}

	@Configuration(proxyBeanMethods = false)
	static class OneDriverDown {

		@Bean(destroyMethod = "close")
		FilaDrivers filaDrivers() {
			Map<String, FilaDriver> drivers = new LinkedHashMap<>();
			drivers.put("memory", new MemoryDriver("memory"));
			drivers.put("shared", new MemoryDriver("shared") {
				@Override
				public void ping() {
					throw new IllegalStateException("Connection refused");
				}
			});
			return new FilaDrivers(drivers, "memory");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnPingExecutor {

		final AtomicInteger runs = new AtomicInteger();

		@Bean(FilaHealthContributorAutoConfiguration.PING_EXECUTOR_BEAN_NAME)
		Executor filaHealthExecutor() {
			return (task) -> {
				this.runs.incrementAndGet();
				task.run();
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomHealthIndicator {

		@Bean
		HealthIndicator filaHealthIndicator() {
			return () -> org.springframework.boot.health.contributor.Health.up().build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomHealthContributor {

		final Object contributor = new Object();

		@Bean
		Object filaHealthContributor() {
			return this.contributor;
		}

	}

}
