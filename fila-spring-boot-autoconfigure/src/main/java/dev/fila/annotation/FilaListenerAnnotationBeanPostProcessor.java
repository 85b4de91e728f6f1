package dev.fila.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.util.StringUtils;

import dev.fila.core.ConfigurationProblems;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.listener.MethodFilaMessageHandler;
import dev.fila.queue.FilaQueues;

/**
 * Finds {@link FilaListener @FilaListener} methods on beans and, once all singletons exist,
 * registers a consumer for each with the {@link FilaListenerRegistry}. Collaborators are
 * looked up lazily so this post-processor does not force early creation of other beans.
 */
public class FilaListenerAnnotationBeanPostProcessor
		implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware {

	private final Set<Class<?>> classesWithoutListeners = ConcurrentHashMap.newKeySet();

	private final List<FoundListener> found = new ArrayList<>();

	private @Nullable ConfigurableBeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = (beanFactory instanceof ConfigurableBeanFactory configurable) ? configurable : null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (this.classesWithoutListeners.contains(targetClass)) {
			return bean;
		}
		Map<Method, FilaListener> methods = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<FilaListener>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, FilaListener.class));
		if (methods.isEmpty()) {
			this.classesWithoutListeners.add(targetClass);
			return bean;
		}
		synchronized (this.found) {
			methods.forEach((method, annotation) -> this.found.add(new FoundListener(bean, beanName, method, annotation)));
		}
		return bean;
	}

	@Override
	public void afterSingletonsInstantiated() {
		ConfigurableBeanFactory factory = this.beanFactory;
		if (factory == null) {
			return;
		}
		List<FoundListener> listeners;
		synchronized (this.found) {
			listeners = List.copyOf(this.found);
			this.found.clear();
		}
		FilaListenerRegistry registry = factory.getBean(FilaListenerRegistry.class);
		FilaListenerContainerFactory containerFactory = factory.getBean(FilaListenerContainerFactory.class);
		MessageHandlerMethodFactory methodFactory = factory.getBean(FilaListenerConfigUtils.HANDLER_METHOD_FACTORY_BEAN_NAME,
				MessageHandlerMethodFactory.class);
		ObjectProvider<FilaTemplate> template = factory.getBeanProvider(FilaTemplate.class);
		FilaQueues queues = factory.getBean(FilaQueues.class);
		// Every bad declaration in one report, not only the first one found.
		ConfigurationProblems problems = new ConfigurationProblems();
		Set<String> listenerIds = new HashSet<>();
		for (FoundListener listener : listeners) {
			String id = id(listener, factory);
			listenerIds.add(id);
			problems.check(() -> registry.register(containerFactory
				.create(endpoint(listener, id, factory, methodFactory, template.getObject(), queues))));
		}
		for (String id : containerFactory.configuredIds()) {
			if (registry.getContainer(id) == null && !listenerIds.contains(id) && !containerFactory.hasScriptHandler(id)) {
				problems.add(new FilaConfigurationException("fila.consumers." + id, id,
						"the id of a @FilaListener method (@FilaListener(id = \"" + id
								+ "\")) or a consumer with a Lua 'handler'"));
			}
		}
		problems.throwIfAny();
	}

	private static String id(FoundListener listener, ConfigurableBeanFactory factory) {
		String id = resolve(factory, listener.annotation().id());
		return StringUtils.hasText(id) ? id : listener.beanName() + "." + listener.method().getName();
	}

	/**
	 * @throws FilaConfigurationException for the first bad attribute, the others suppressed in it
	 */
	private FilaListenerEndpoint endpoint(FoundListener listener, String id, ConfigurableBeanFactory factory,
			MessageHandlerMethodFactory methodFactory, FilaTemplate template, FilaQueues queues) {
		FilaListener annotation = listener.annotation();
		String origin = "@FilaListener on " + listener.method().getDeclaringClass().getName() + "."
				+ listener.method().getName();
		ConfigurationProblems problems = new ConfigurationProblems();
		ConsumerConfig declared = new ConsumerConfig(resolve(factory, annotation.queue()),
				parse(factory, annotation.concurrency(), origin, "concurrency", Integer::valueOf,
						"an integer from 1 to 1000", problems),
				parse(factory, annotation.prefetch(), origin, "prefetch", Integer::valueOf,
						"an integer from 1 to 10000", problems),
				parse(factory, annotation.autoStartup(), origin, "autoStartup", FilaListenerAnnotationBeanPostProcessor::parseBoolean,
						"true or false", problems),
				null);
		problems.throwIfAny();
		Method invocable = AopUtils.selectInvocableMethod(listener.method(), listener.bean().getClass());
		InvocableHandlerMethod handlerMethod = methodFactory.createInvocableHandlerMethod(listener.bean(), invocable);
		return new FilaListenerEndpoint(id, declared, origin,
				new MethodFilaMessageHandler(handlerMethod, template, queues));
	}

	private static @Nullable String resolve(ConfigurableBeanFactory factory, String value) {
		if (!StringUtils.hasText(value)) {
			return null;
		}
		return factory.resolveEmbeddedValue(value);
	}

	private static <T> @Nullable T parse(ConfigurableBeanFactory factory, String value, String origin, String attribute,
			Function<String, T> parser, String allowed, ConfigurationProblems problems) {
		String resolved = resolve(factory, value);
		if (!StringUtils.hasText(resolved)) {
			return null;
		}
		try {
			return parser.apply(resolved.trim());
		}
		catch (IllegalArgumentException ex) {
			problems.add(new FilaConfigurationException(origin + " attribute '" + attribute + "'", resolved, allowed, ex));
			return null;
		}
	}

	private static Boolean parseBoolean(String value) {
		if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
			return Boolean.valueOf(value);
		}
		throw new IllegalArgumentException("Not a boolean: " + value);
	}

	private record FoundListener(Object bean, String beanName, Method method, FilaListener annotation) {
	}

}
