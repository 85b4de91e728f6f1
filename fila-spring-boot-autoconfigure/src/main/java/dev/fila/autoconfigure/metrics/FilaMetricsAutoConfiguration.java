package dev.fila.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.metrics.FilaQueueMetrics;
import dev.fila.metrics.MicrometerFilaMetricsRecorder;
import dev.fila.metrics.MicrometerLuaObserver;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;

/**
 * Auto-configuration of Fila's Micrometer meters, when Micrometer is on the classpath and a
 * {@link MeterRegistry} is configured (as Spring Boot's actuator does).
 */
@AutoConfiguration(after = FilaAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, FilaQueues.class })
@EnableConfigurationProperties(FilaMetricsProperties.class)
public final class FilaMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MicrometerFilaMetricsRecorder filaMicrometerMetricsRecorder(MeterRegistry registry) {
		return new MicrometerFilaMetricsRecorder(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	MicrometerLuaObserver filaMicrometerLuaObserver(MeterRegistry registry, ObjectProvider<FilaQueues> queues) {
		// FilaQueues needs the Lua observer to build its hooks: look it up lazily.
		return new MicrometerLuaObserver(registry, (queue) -> {
			FilaQueues available = queues.getIfAvailable();
			QueueBinding binding = (available != null) ? available.find(queue) : null;
			return (binding != null) ? binding.driver().name() : null;
		});
	}

	@Bean
	@ConditionalOnMissingBean
	FilaQueueMetrics filaQueueMetrics(FilaQueues queues, ObjectProvider<FilaListenerRegistry> listenerRegistry,
			MeterRegistry registry, FilaMetricsProperties properties) {
		return new FilaQueueMetrics(queues, listenerRegistry.getIfAvailable(), registry,
				properties.getRefreshInterval());
	}

}
