package dev.fila.dashboard.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

import dev.fila.actuate.FilaEndpoint;
import dev.fila.core.FilaAdmin;
import dev.fila.dashboard.DashboardActions;
import dev.fila.dashboard.DashboardReader;
import dev.fila.dashboard.DashboardRoutes;
import dev.fila.dashboard.DeliveryLog;
import dev.fila.dashboard.DeliveryRates;
import dev.fila.driver.FilaDrivers;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.FilaFlowControl;

/**
 * Auto-configuration of the Fila dashboard: a page at {@code fila.dashboard.path} (default
 * {@code /fila}) of a servlet web application with Spring MVC, unless
 * {@code fila.dashboard.enabled=false}. It reads through the {@code fila} actuator endpoint's
 * type, the endpoint's bean when there is one and a private instance otherwise (the endpoint
 * need not be exposed).
 */
@AutoConfiguration(afterName = { "dev.fila.autoconfigure.FilaAutoConfiguration",
		"dev.fila.autoconfigure.endpoint.FilaEndpointAutoConfiguration" })
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBooleanProperty(name = "fila.dashboard.enabled", matchIfMissing = true)
@ConditionalOnBean({ FilaAdmin.class, FilaDrivers.class })
@EnableConfigurationProperties(FilaDashboardProperties.class)
public final class FilaDashboardAutoConfiguration {

	/** The name of the dashboard's {@link RouterFunction} bean; replace it with a bean of this name. */
	public static final String ROUTER_FUNCTION_BEAN_NAME = "filaDashboardRouterFunction";

	private static final String SPRING_SECURITY_CLASS = "org.springframework.security.web.SecurityFilterChain";

	private static final Logger logger = LoggerFactory.getLogger(FilaDashboardAutoConfiguration.class);

	/** Also a {@link dev.fila.core.FilaMetricsRecorder}: the template, admin and consumers tell it. */
	@Bean
	@ConditionalOnMissingBean
	DeliveryLog filaDashboardDeliveryLog() {
		return new DeliveryLog();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	DeliveryRates filaDashboardDeliveryRates(DeliveryLog log) {
		DeliveryRates rates = new DeliveryRates(log);
		rates.start();
		return rates;
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardReader filaDashboardReader(FilaDrivers drivers, FilaAdmin admin, ObjectProvider<FilaEndpoint> endpoint,
			ObjectProvider<FilaListenerRegistry> listenerRegistry, ObjectProvider<FilaFlowControl> flowControl,
			DeliveryLog log, DeliveryRates rates) {
		return new DashboardReader(endpoint(endpoint, drivers, admin, listenerRegistry, flowControl), admin, drivers, log,
				rates);
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardActions filaDashboardActions(FilaDrivers drivers, FilaAdmin admin, ObjectProvider<FilaEndpoint> endpoint,
			ObjectProvider<FilaListenerRegistry> listenerRegistry, ObjectProvider<FilaFlowControl> flowControl) {
		return new DashboardActions(endpoint(endpoint, drivers, admin, listenerRegistry, flowControl), admin);
	}

	@Bean(ROUTER_FUNCTION_BEAN_NAME)
	@ConditionalOnMissingBean(name = ROUTER_FUNCTION_BEAN_NAME)
	RouterFunction<ServerResponse> filaDashboardRouterFunction(FilaDashboardProperties properties,
			DashboardReader reader, DashboardActions actions, ResourceLoader resourceLoader) {
		String path = properties.validatedPath();
		// The application's class loader: what it can load is what protects the page.
		if (!properties.isReadOnly() && !ClassUtils.isPresent(SPRING_SECURITY_CLASS, resourceLoader.getClassLoader())) {
			logger.warn("The Fila dashboard at {} allows write actions (fila.dashboard.read-only=false) and is open to "
					+ "anyone who can reach it: Spring Security is not on the classpath. Secure it, or set "
					+ "fila.dashboard.read-only=true.", path);
		}
		return new DashboardRoutes(path, properties.isReadOnly(), reader, actions).routerFunction();
	}

	private static FilaEndpoint endpoint(ObjectProvider<FilaEndpoint> endpoint, FilaDrivers drivers, FilaAdmin admin,
			ObjectProvider<FilaListenerRegistry> listenerRegistry, ObjectProvider<FilaFlowControl> flowControl) {
		// Per-key shares come from the dashboard's own DeliveryLog: no RecentKeyDeliveries needed.
		return endpoint.getIfAvailable(() -> new FilaEndpoint(drivers, admin, listenerRegistry.getIfAvailable(), null,
				flowControl.getIfAvailable()));
	}

}
