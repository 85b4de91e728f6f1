package dev.fila.dashboard.autoconfigure;

import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.web.servlet.function.RouterFunction;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaTemplate;
import dev.fila.dashboard.DashboardActions;
import dev.fila.dashboard.DashboardReader;
import dev.fila.dashboard.DeliveryLog;
import dev.fila.dashboard.DeliveryRates;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class FilaDashboardAutoConfigurationTests {

	private static final String WARNING = "allows write actions";

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class, FilaDashboardAutoConfiguration.class));

	@Test
	void dashboardInAServletWebApplication() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(DashboardReader.class)
			.hasSingleBean(DashboardActions.class)
			.hasSingleBean(DeliveryLog.class)
			.hasSingleBean(DeliveryRates.class)
			.hasBean(FilaDashboardAutoConfiguration.ROUTER_FUNCTION_BEAN_NAME)
			.getBean(FilaDashboardProperties.class)
			.satisfies((properties) -> {
				assertThat(properties.isEnabled()).isTrue();
				assertThat(properties.getPath()).isEqualTo("/fila");
				assertThat(properties.isReadOnly()).isTrue();
			}));
	}

	@Test
	void theDeliveryLogHearsTheTemplatesDeliveries() {
		this.contextRunner.run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("jobs", "x");
			template.receive("jobs", Duration.ofSeconds(1)).orElseThrow().nack("boom");
			assertThat(context.getBean(DeliveryLog.class).totals("jobs")).isEqualTo(new DeliveryLog.Totals(1, 1));
		});
	}

	@Test
	void ratesStopWithTheContext() {
		AtomicReference<DeliveryRates> rates = new AtomicReference<>();
		this.contextRunner.run((context) -> {
			rates.set(context.getBean(DeliveryRates.class));
			assertThat(rates.get().isRunning()).isTrue();
		});
		assertThat(rates.get().isRunning()).isFalse();
	}

	@Test
	void noDashboardOutsideAServletWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class, FilaDashboardAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(DashboardReader.class)
				.doesNotHaveBean(DeliveryLog.class));
	}

	@Test
	void noDashboardWhenDisabled() {
		this.contextRunner.withPropertyValues("fila.dashboard.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(DashboardReader.class)
				.doesNotHaveBean(FilaDashboardAutoConfiguration.ROUTER_FUNCTION_BEAN_NAME));
	}

	@Test
	void noDashboardWithoutFila() {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaDashboardAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DashboardReader.class));
	}

	@Test
	void noDashboardWithoutSpringMvc() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RouterFunction.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilaTemplate.class)
				.doesNotHaveBean(DashboardReader.class));
	}

	@Test
	void aBadPathFailsStartUpNamingTheProperty() {
		this.contextRunner.withPropertyValues("fila.dashboard.path=/fila/*").run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof FilaConfigurationException)) {
				cause = cause.getCause();
			}
			assertThat(cause).isInstanceOf(FilaConfigurationException.class)
				.hasMessageContaining("fila.dashboard.path")
				.hasMessageContaining("/fila/*");
		});
	}

	@Test
	void actionsWithoutSpringSecurityWarnOnce(CapturedOutput output) {
		this.contextRunner.withPropertyValues("fila.dashboard.read-only=false", "fila.dashboard.path=/ops/fila")
			.withClassLoader(new FilteredClassLoader("org.springframework.security."))
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).containsOnlyOnce(WARNING).contains("/ops/fila");
	}

	@Test
	void actionsWithSpringSecurityDoNotWarn(CapturedOutput output) {
		this.contextRunner.withPropertyValues("fila.dashboard.read-only=false")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void readOnlyDoesNotWarn(CapturedOutput output) {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void applicationBeansWin() {
		this.contextRunner.withUserConfiguration(OwnLog.class)
			.run((context) -> assertThat(context).hasSingleBean(DeliveryLog.class)
				.getBean(DeliveryLog.class)
				.isSameAs(context.getBean(OwnLog.class).log));
	}

	@Test
	void propertiesHaveIdeMetadata() throws Exception {
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			JsonNode metadata = JsonMapper.builder().build().readTree(in);
			assertThat(metadata.get("properties").valueStream()
				.filter((property) -> property.get("name").asString().startsWith("fila.dashboard."))
				.peek((property) -> assertThat(property.get("description").asString()).isNotBlank())
				.map((property) -> property.get("name").asString()))
				.containsExactlyInAnyOrder("fila.dashboard.enabled", "fila.dashboard.path", "fila.dashboard.read-only");
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnLog {

		final DeliveryLog log = new DeliveryLog(10, Duration.ofMinutes(1), System::currentTimeMillis);

		@Bean
		DeliveryLog ownDeliveryLog() {
			return this.log;
		}

	}

}
