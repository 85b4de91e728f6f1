package dev.fila.autoconfigure;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.messaging.handler.annotation.support.DefaultMessageHandlerMethodFactory;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import tools.jackson.databind.json.JsonMapper;

import dev.fila.client.DefaultFilaAdmin;
import dev.fila.client.DefaultFilaTemplate;
import dev.fila.annotation.FilaListenerAnnotationBeanPostProcessor;
import dev.fila.annotation.FilaListenerConfigUtils;
import dev.fila.config.SettingsStore;
import dev.fila.config.SettingsWatcher;
import dev.fila.config.SharedRuntimeConfig;
import dev.fila.config.SharedSettings;
import dev.fila.config.RuntimeConfig;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.lua.LuaHandlerConsumers;
import dev.fila.lua.LuaHookRegistry;
import dev.fila.lua.LuaObserver;
import dev.fila.lua.LuaQueuePolicyFactory;
import dev.fila.observation.FilaEnqueueObservationConvention;
import dev.fila.observation.FilaListenerObservationConvention;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.FilaThrottles;
import dev.fila.queue.StoredQueueDefinitions;

/**
 * Auto-configuration for Fila: drivers from {@code fila.drivers} (a memory driver when none
 * is declared), queues, the template, the admin, and {@code @FilaListener} consumers.
 */
// After TaskExecutionAutoConfiguration: Boot's applicationTaskExecutor backs off when it finds
// any Executor bean, and the worker executor is one.
@AutoConfiguration(afterName = { "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		"org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration",
		"org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration" })
@EnableConfigurationProperties(FilaProperties.class)
public final class FilaAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MemoryDriverFactory filaMemoryDriverFactory() {
		return new MemoryDriverFactory();
	}

	/**
	 * The Redis driver, when spring-data-redis is on the classpath.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.data.redis.connection.RedisConnectionFactory")
	static class RedisDriverConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisDriverFactory filaRedisDriverFactory(ObjectProvider<RedisConnectionFactory> connectionFactory) {
			return new RedisDriverFactory(connectionFactory);
		}

		/**
		 * Cluster topology refresh for a Fila Redis driver on Redis Cluster, unless the
		 * application configures it (see {@link RedisClusterTopologyRefresh}).
		 */
		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = { "io.lettuce.core.cluster.ClusterClientOptions",
				"org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer" })
		@Conditional(RedisClusterTopologyRefresh.Condition.class)
		static class RedisClusterTopologyRefreshConfiguration {

			@Bean
			@ConditionalOnMissingBean
			RedisClusterTopologyRefresh filaRedisClusterTopologyRefresh(Environment environment) {
				return new RedisClusterTopologyRefresh(
						environment.getProperty(RedisClusterTopologyRefresh.PROPERTIES + ".dynamic-refresh-sources",
								Boolean.class, true));
			}

		}

	}

	/**
	 * The AMQP driver, when spring-rabbit is on the classpath.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.amqp.rabbit.connection.ConnectionFactory")
	static class AmqpDriverConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AmqpDriverFactory filaAmqpDriverFactory(ObjectProvider<ConnectionFactory> connectionFactory) {
			return new AmqpDriverFactory(connectionFactory);
		}

	}

	/**
	 * Spring Boot's {@code management.observations.enable.*}, when its observation support
	 * is there: Fila's observations that those properties turn off are not even started.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationProperties")
	static class ObservationPropertiesConfiguration {

		@Bean
		FilaObservationSwitch filaObservationSwitch(ObjectProvider<ObservationProperties> properties) {
			ObservationProperties observationProperties = properties.getIfAvailable();
			return (observationProperties != null) ? new FilaObservationSwitch(observationProperties.getEnable())
					: FilaObservationSwitch.ALL_ENABLED;
		}

	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	FilaDrivers filaDrivers(FilaProperties properties, ObjectProvider<FilaDriverFactory> factories,
			Environment environment) {
		return FilaPropertiesResolver.drivers(properties, factories.orderedStream().toList(),
				DriverPropertyNames.of(environment));
	}

	@Bean
	@ConditionalOnMissingBean
	QueuePolicyFactory filaQueuePolicyFactory(FilaProperties properties, ResourceLoader resourceLoader,
			RuntimeConfig runtimeConfig, ObjectProvider<LuaObserver> observer, LuaHookRegistry hooks) {
		return new LuaQueuePolicyFactory(resourceLoader, runtimeConfig, FilaPropertiesResolver.luaSettings(properties),
				LuaObserver.of(observer.orderedStream().toList()), hooks);
	}

	@Bean
	@ConditionalOnMissingBean
	LuaHookRegistry filaLuaHookRegistry() {
		return new LuaHookRegistry();
	}

	/**
	 * Throttles, pauses and weight overrides are in place before any queue is used: the queues
	 * depend on them.
	 */
	@Bean
	@ConditionalOnMissingBean
	FilaQueues filaQueues(FilaProperties properties, FilaDrivers drivers, QueuePolicyFactory policies,
			FilaThrottles throttles, FilaFlowControl flowControl) {
		FilaQueues queues = new FilaQueues(drivers, FilaPropertiesResolver.queues(properties, drivers), policies);
		queues.setStoredDefinitions(new StoredQueueDefinitions(policies));
		queues.createDeclaredQueues();
		return queues;
	}

	@Bean
	@ConditionalOnMissingBean
	SettingsStore filaSettingsStore(FilaDrivers drivers) {
		return drivers.settingsStore();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	SettingsWatcher filaSettingsWatcher(SettingsStore store) {
		SettingsWatcher watcher = new SettingsWatcher(store, SettingsWatcher.DEFAULT_INTERVAL);
		watcher.start();
		return watcher;
	}

	@Bean
	@ConditionalOnMissingBean
	RuntimeConfig filaRuntimeConfig(FilaProperties properties, SettingsStore store, SettingsWatcher watcher) {
		SharedSettings settings = new SharedSettings(store, SharedRuntimeConfig.NAMESPACE);
		settings.seed(properties.getConfig(), "fila.config");
		watcher.watch(settings);
		return new SharedRuntimeConfig(settings);
	}

	@Bean
	@ConditionalOnMissingBean
	FilaThrottles filaThrottles(FilaProperties properties, FilaDrivers drivers, SettingsStore store,
			SettingsWatcher watcher) {
		FilaThrottles throttles = new FilaThrottles(drivers, new SharedSettings(store, FilaThrottles.NAMESPACE));
		throttles.seed(FilaPropertiesResolver.throttles(properties));
		watcher.watch(throttles.settings());
		return throttles;
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	FilaFlowControl filaFlowControl(FilaProperties properties, FilaDrivers drivers, SettingsStore store,
			SettingsWatcher watcher) {
		FilaFlowControl flowControl = new FilaFlowControl(drivers, new SharedSettings(store, FilaFlowControl.NAMESPACE));
		flowControl.seedLimits(FilaPropertiesResolver.inFlightLimits(properties));
		flowControl.load();
		watcher.watch(flowControl.settings());
		flowControl.reapplyEvery(FilaFlowControl.REAPPLY_INTERVAL);
		return flowControl;
	}

	@Bean
	@ConditionalOnMissingBean
	FilaPayloadConverter filaPayloadConverter(ObjectProvider<JsonMapper> jsonMapper) {
		return new FilaPayloadConverter(jsonMapper(jsonMapper));
	}

	@Bean
	@ConditionalOnMissingBean
	FilaTemplate filaTemplate(FilaQueues queues, FilaPayloadConverter converter, FilaProperties properties,
			ObjectProvider<FilaMetricsRecorder> metricsRecorders, ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<FilaObservationSwitch> observationSwitch,
			ObjectProvider<FilaEnqueueObservationConvention> observationConvention) {
		DefaultFilaTemplate template = new DefaultFilaTemplate(queues, converter);
		template.setMetricsRecorder(metricsRecorder(metricsRecorders));
		if (properties.getTemplate().isTransactional()) {
			try {
				template.setTransactional(true);
			}
			catch (IllegalStateException ex) {
				throw new FilaConfigurationException("fila.template.transactional", true,
						"false, or true with spring-tx on the classpath");
			}
		}
		if (properties.getTemplate().isObservationEnabled()) {
			observationRegistry.ifAvailable((registry) -> template.setObservationRegistry(observationSwitch
				.getIfAvailable(() -> FilaObservationSwitch.ALL_ENABLED)
				.registryFor("fila.enqueue", registry)));
		}
		observationConvention.ifAvailable(template::setObservationConvention);
		return template;
	}

	@Bean
	@ConditionalOnMissingBean
	FilaAdmin filaAdmin(FilaQueues queues, RuntimeConfig runtimeConfig, FilaThrottles throttles,
			FilaFlowControl flowControl, ObjectProvider<FilaMetricsRecorder> metricsRecorders) {
		DefaultFilaAdmin admin = new DefaultFilaAdmin(queues, runtimeConfig, throttles, flowControl);
		admin.setMetricsRecorder(metricsRecorder(metricsRecorders));
		return admin;
	}

	private static FilaMetricsRecorder metricsRecorder(ObjectProvider<FilaMetricsRecorder> recorders) {
		return FilaMetricsRecorder.of(recorders.orderedStream().toList());
	}

	private static JsonMapper jsonMapper(ObjectProvider<JsonMapper> jsonMapper) {
		return jsonMapper.getIfAvailable(() -> JsonMapper.builder().build());
	}

	/**
	 * Consumer infrastructure: containers, their registry and {@code @FilaListener} support.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		FilaListenerRegistry filaListenerRegistry() {
			return new FilaListenerRegistry();
		}

		/**
		 * Runs each consumer worker loop on a platform thread of its own; replace it with a bean
		 * of this name.
		 */
		@Bean(FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME)
		@ConditionalOnMissingBean(name = FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME)
		@ConditionalOnThreading(Threading.PLATFORM)
		SimpleAsyncTaskExecutor filaWorkerExecutor() {
			return new SimpleAsyncTaskExecutor("fila-worker-");
		}

		/** With {@code spring.threads.virtual.enabled=true} (Java 21+): a virtual thread per worker. */
		@Bean(FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME)
		@ConditionalOnMissingBean(name = FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME)
		@ConditionalOnThreading(Threading.VIRTUAL)
		SimpleAsyncTaskExecutor filaVirtualWorkerExecutor() {
			SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("fila-worker-");
			executor.setVirtualThreads(true);
			return executor;
		}

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		FilaListenerContainerFactory filaListenerContainerFactory(FilaQueues queues, FilaProperties properties,
				@Qualifier(FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME) ObjectProvider<Executor> workerExecutor,
				ObjectProvider<FilaMetricsRecorder> metricsRecorders,
				ObjectProvider<ObservationRegistry> observationRegistry,
				ObjectProvider<FilaObservationSwitch> observationSwitch,
				ObjectProvider<FilaListenerObservationConvention> observationConvention) {
			Map<String, FilaProperties.Consumer> consumers = properties.getConsumers();
			FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues,
					FilaPropertiesResolver.consumers(properties), scriptHandlerIds(consumers));
			workerExecutor.ifAvailable(factory::setWorkerExecutor);
			factory.setMetricsRecorder(metricsRecorder(metricsRecorders));
			if (properties.getListener().isObservationEnabled()) {
				observationRegistry.ifAvailable((registry) -> factory.setObservationRegistry(observationSwitch
					.getIfAvailable(() -> FilaObservationSwitch.ALL_ENABLED)
					.registryFor("fila.listener", registry)));
			}
			observationConvention.ifAvailable(factory::setObservationConvention);
			return factory;
		}

		@Bean(FilaListenerConfigUtils.HANDLER_METHOD_FACTORY_BEAN_NAME)
		@ConditionalOnMissingBean(name = FilaListenerConfigUtils.HANDLER_METHOD_FACTORY_BEAN_NAME)
		MessageHandlerMethodFactory filaMessageHandlerMethodFactory(FilaPayloadConverter converter) {
			DefaultMessageHandlerMethodFactory factory = new DefaultMessageHandlerMethodFactory();
			factory.setMessageConverter(converter.messageConverter());
			factory.setConversionService(DefaultConversionService.getSharedInstance());
			return factory;
		}

		@Bean
		@ConditionalOnMissingBean
		LuaHandlerConsumers filaLuaHandlerConsumers(FilaProperties properties,
				FilaListenerContainerFactory containerFactory, FilaListenerRegistry registry,
				ResourceLoader resourceLoader, FilaTemplate template, ObjectProvider<JsonMapper> jsonMapper,
				RuntimeConfig runtimeConfig, ObjectProvider<LuaObserver> observer) {
			Map<String, String> handlers = new LinkedHashMap<>();
			Map<String, String> queues = new LinkedHashMap<>();
			properties.getConsumers().forEach((id, consumer) -> {
				if (consumer.getHandler() != null) {
					handlers.put(id, consumer.getHandler());
				}
				if (consumer.getQueue() != null) {
					queues.put(id, consumer.getQueue());
				}
			});
			return new LuaHandlerConsumers(handlers, queues, containerFactory, registry, resourceLoader,
					FilaPropertiesResolver.luaSettings(properties), template, jsonMapper(jsonMapper), runtimeConfig,
					LuaObserver.of(observer.orderedStream().toList()));
		}

		@Bean
		static FilaListenerAnnotationBeanPostProcessor filaListenerAnnotationBeanPostProcessor() {
			return new FilaListenerAnnotationBeanPostProcessor();
		}

		private static Set<String> scriptHandlerIds(Map<String, FilaProperties.Consumer> consumers) {
			Set<String> ids = new HashSet<>();
			consumers.forEach((id, consumer) -> {
				if (consumer.getHandler() != null) {
					ids.add(id);
				}
			});
			return ids;
		}

	}

}
