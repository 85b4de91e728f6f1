package dev.fila.autoconfigure.endpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.fila.actuate.FilaEndpoint;
import dev.fila.actuate.RecentKeyDeliveries;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.driver.FilaDrivers;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.FilaFlowControl;

/**
 * Auto-configuration of the {@code fila} actuator endpoint, when the actuator is on the
 * classpath and the endpoint is available (enabled and exposed, see
 * {@code management.endpoints.web.exposure.include}).
 */
@AutoConfiguration(after = FilaAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnAvailableEndpoint(FilaEndpoint.class)
public final class FilaEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RecentKeyDeliveries filaRecentKeyDeliveries() {
		return new RecentKeyDeliveries();
	}

	@Bean
	@ConditionalOnBean({ FilaDrivers.class, FilaAdmin.class })
	@ConditionalOnMissingBean
	FilaEndpoint filaEndpoint(FilaDrivers drivers, FilaAdmin admin,
			ObjectProvider<FilaListenerRegistry> listenerRegistry, ObjectProvider<RecentKeyDeliveries> recentDeliveries,
			ObjectProvider<FilaFlowControl> flowControl) {
		return new FilaEndpoint(drivers, admin, listenerRegistry.getIfAvailable(), recentDeliveries.getIfAvailable(),
				flowControl.getIfAvailable());
	}

}
