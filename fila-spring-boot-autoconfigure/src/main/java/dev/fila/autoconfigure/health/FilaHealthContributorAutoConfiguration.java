package dev.fila.autoconfigure.health;

import java.util.Map;
import java.util.concurrent.Executor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.driver.FilaDrivers;
import dev.fila.health.FilaDriverHealthIndicator;
import dev.fila.health.LuaHooksHealthIndicator;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.lua.LuaHookRegistry;

/**
 * Auto-configuration of the {@code fila} health contributor, when Spring Boot's health
 * support is on the classpath: one {@link FilaDriverHealthIndicator} per driver, composed
 * into one contributor named {@code fila}. {@code management.health.fila.enabled=false} turns
 * it off; a bean named {@code filaHealthContributor} or {@code filaHealthIndicator} replaces
 * it.
 * <p>
 * Pings run on a new thread each ({@code fila-health-}, virtual with
 * {@code spring.threads.virtual.enabled=true}), at most one per driver at a time; an
 * {@link Executor} bean named {@value #PING_EXECUTOR_BEAN_NAME} replaces that.
 */
@AutoConfiguration(after = FilaAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(FilaDrivers.class)
@ConditionalOnEnabledHealthIndicator("fila")
public final class FilaHealthContributorAutoConfiguration {

	/** The component with the Lua hooks' state, beside one per driver. */
	public static final String LUA_COMPONENT = "lua";

	/** Name of an application's {@link Executor} bean for the drivers' pings. */
	public static final String PING_EXECUTOR_BEAN_NAME = "filaHealthExecutor";

	@Bean
	@ConditionalOnMissingBean(name = { "filaHealthIndicator", "filaHealthContributor" })
	CompositeHealthContributor filaHealthContributor(FilaDrivers drivers,
			ObjectProvider<FilaListenerRegistry> listenerRegistry,
			@Qualifier(PING_EXECUTOR_BEAN_NAME) ObjectProvider<Executor> pingExecutor, Environment environment,
			ObjectProvider<LuaHookRegistry> hooks) {
		LuaHookRegistry registry = hooks.getIfAvailable();
		Map<String, HealthIndicator> others = (registry != null)
				? Map.of(LUA_COMPONENT, new LuaHooksHealthIndicator(registry)) : Map.of();
		return FilaDriverHealthIndicator.composite(drivers, listenerRegistry.getIfAvailable(),
				pingExecutor.getIfAvailable(() -> defaultPingExecutor(environment)),
				FilaDriverHealthIndicator.DEFAULT_PING_TIMEOUT, others);
	}

	/**
	 * A thread per ping rather than a pool, and no {@link Executor} bean (one would make
	 * Spring Boot's {@code applicationTaskExecutor} back off).
	 */
	private static Executor defaultPingExecutor(Environment environment) {
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("fila-health-");
		executor.setDaemon(true);
		if (Threading.VIRTUAL.isActive(environment)) {
			executor.setVirtualThreads(true);
		}
		return executor;
	}

}
