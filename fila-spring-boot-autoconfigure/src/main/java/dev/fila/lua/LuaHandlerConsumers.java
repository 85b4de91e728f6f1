package dev.fila.lua;

import java.util.Map;

import org.luaj.vm2.LuaError;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.io.ResourceLoader;

import dev.fila.config.RuntimeConfig;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.listener.FilaListenerRegistry;

/**
 * Registers the consumers configured with a Lua {@code handler} script: compiled at start-up,
 * run in the same worker pools as {@code @FilaListener} consumers.
 */
public class LuaHandlerConsumers implements SmartInitializingSingleton {

	private final Map<String, String> handlers;

	private final Map<String, String> queues;

	private final FilaListenerContainerFactory containerFactory;

	private final FilaListenerRegistry registry;

	private final ResourceLoader resourceLoader;

	private final LuaSettings settings;

	private final FilaTemplate template;

	private final JsonMapper jsonMapper;

	private final RuntimeConfig runtimeConfig;

	private final LuaObserver observer;

	/**
	 * @param handlers handler script (location or inline) by consumer id
	 * @param queues configured queue by consumer id
	 */
	public LuaHandlerConsumers(Map<String, String> handlers, Map<String, String> queues,
			FilaListenerContainerFactory containerFactory, FilaListenerRegistry registry, ResourceLoader resourceLoader,
			LuaSettings settings, FilaTemplate template, JsonMapper jsonMapper, RuntimeConfig runtimeConfig,
			LuaObserver observer) {
		this.handlers = Map.copyOf(handlers);
		this.queues = Map.copyOf(queues);
		this.containerFactory = containerFactory;
		this.registry = registry;
		this.resourceLoader = resourceLoader;
		this.settings = settings;
		this.template = template;
		this.jsonMapper = jsonMapper;
		this.runtimeConfig = runtimeConfig;
		this.observer = observer;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.handlers.forEach((id, source) -> {
			String property = "fila.consumers." + id + ".handler";
			if (!this.queues.containsKey(id)) {
				throw new FilaConfigurationException("fila.consumers." + id + ".queue", null,
						"the queue the Lua handler consumes (required with a handler)");
			}
			LuaScript script = LuaScript.compile(source, property, this.resourceLoader);
			LuaHandler handler;
			try {
				handler = new LuaHandler(id, script, this.settings, this.template, this.jsonMapper, this.runtimeConfig,
						this.observer);
			}
			catch (LuaError | LuaLimitExceeded ex) {
				throw new FilaConfigurationException(property, script.name(),
						"a Lua script that returns function(body, msg): " + ex.getMessage(), ex);
			}
			this.registry.register(this.containerFactory
				.create(new FilaListenerEndpoint(id, ConsumerConfig.EMPTY, "fila.consumers." + id, handler)));
		});
	}

}
