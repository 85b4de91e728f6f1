package dev.fila.autoconfigure.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.driver.FilaDrivers;
import dev.fila.health.FilaHealthIndicator;
import dev.fila.listener.FilaListenerRegistry;

/**
 * Auto-configuration of the {@code fila} health indicator, when Spring Boot's health support
 * is on the classpath; {@code management.health.fila.enabled=false} turns it off.
 */
@AutoConfiguration(after = FilaAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(FilaDrivers.class)
@ConditionalOnEnabledHealthIndicator("fila")
public final class FilaHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = { "filaHealthIndicator", "filaHealthContributor" })
	FilaHealthIndicator filaHealthIndicator(FilaDrivers drivers, ObjectProvider<FilaListenerRegistry> listenerRegistry) {
		return new FilaHealthIndicator(drivers, listenerRegistry.getIfAvailable());
	}

}
