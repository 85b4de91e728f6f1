package dev.fila.lua;

import java.util.Map;

import org.springframework.core.io.ResourceLoader;

import dev.fila.config.RuntimeConfig;
import dev.fila.policy.EnqueueContext;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailureContext;
import dev.fila.policy.FailurePolicy;
import dev.fila.policy.RetryFailurePolicy;
import dev.fila.queue.QueueDefinition;
import dev.fila.queue.QueuePolicyFactory;

/**
 * Builds each queue's policies from its {@code on-enqueue} and {@code on-failure} Lua hooks,
 * compiling them once (at start-up for declared queues); queues without hooks get the
 * defaults.
 */
public class LuaQueuePolicyFactory implements QueuePolicyFactory {

	private final ResourceLoader resourceLoader;

	private final RuntimeConfig runtimeConfig;

	private final LuaSettings settings;

	private final LuaObserver observer;

	private final LuaHookRegistry registry;

	public LuaQueuePolicyFactory(ResourceLoader resourceLoader, RuntimeConfig runtimeConfig, LuaSettings settings,
			LuaObserver observer) {
		this(resourceLoader, runtimeConfig, settings, observer, new LuaHookRegistry());
	}

	/**
	 * @param resourceLoader loads hook scripts
	 * @param runtimeConfig what hooks read with {@code fila.get}
	 * @param settings the hooks' limits
	 * @param observer told every hook's outcome
	 * @param registry every hook compiled is registered there, for health details
	 */
	public LuaQueuePolicyFactory(ResourceLoader resourceLoader, RuntimeConfig runtimeConfig, LuaSettings settings,
			LuaObserver observer, LuaHookRegistry registry) {
		this.resourceLoader = resourceLoader;
		this.runtimeConfig = runtimeConfig;
		this.settings = settings;
		this.observer = observer;
		this.registry = registry;
	}

	@Override
	public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
		if (queue.onEnqueue() == null) {
			return EnqueuePolicy.DEFAULT;
		}
		LuaHook hook = hook(queue, LuaEnqueuePolicy.HOOK, "on-enqueue", queue.onEnqueue());
		hook.warmUp(LuaEnqueuePolicy.message(new EnqueueContext(queue.name(), Map.of(), 0)));
		return new LuaEnqueuePolicy(hook);
	}

	@Override
	public FailurePolicy failurePolicy(QueueDefinition queue) {
		FailurePolicy retry = new RetryFailurePolicy(queue.retry());
		if (queue.onFailure() == null) {
			return retry;
		}
		LuaHook hook = hook(queue, LuaFailurePolicy.HOOK, "on-failure", queue.onFailure());
		hook.warmUp(LuaFailurePolicy.message(new FailureContext(queue.name(), "warm-up", 1, Map.of(), "warm-up")));
		return new LuaFailurePolicy(hook, retry);
	}

	@Override
	public String hookText(QueueDefinition queue, String hook) {
		return LuaScript.text(hook, "fila.queues." + queue.name(), this.resourceLoader);
	}

	private LuaHook hook(QueueDefinition queue, String hookName, String propertyName, String source) {
		String property = "fila.queues." + queue.name() + "." + propertyName;
		LuaScript script = LuaScript.compile(source, property, this.resourceLoader);
		LuaHook hook = new LuaHook(queue.name(), hookName, property, script, this.runtimeConfig, this.settings,
				this.observer, System::nanoTime);
		this.registry.register(hook);
		return hook;
	}

}
