package dev.fila.lua;

import org.springframework.core.io.ResourceLoader;

import dev.fila.config.RuntimeConfig;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.policy.RetryFailurePolicy;
import dev.fila.queue.QueueDefinition;

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

	public LuaQueuePolicyFactory(ResourceLoader resourceLoader, RuntimeConfig runtimeConfig, LuaSettings settings,
			LuaObserver observer) {
		this.resourceLoader = resourceLoader;
		this.runtimeConfig = runtimeConfig;
		this.settings = settings;
		this.observer = observer;
	}

	@Override
	public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
		if (queue.onEnqueue() == null) {
			return EnqueuePolicy.DEFAULT;
		}
		return new LuaEnqueuePolicy(hook(queue, LuaEnqueuePolicy.HOOK, "on-enqueue", queue.onEnqueue()));
	}

	@Override
	public FailurePolicy failurePolicy(QueueDefinition queue) {
		FailurePolicy retry = new RetryFailurePolicy(queue.retry());
		if (queue.onFailure() == null) {
			return retry;
		}
		return new LuaFailurePolicy(hook(queue, LuaFailurePolicy.HOOK, "on-failure", queue.onFailure()), retry);
	}

	@Override
	public String hookText(QueueDefinition queue, String hook) {
		return LuaScript.text(hook, "fila.queues." + queue.name(), this.resourceLoader);
	}

	private LuaHook hook(QueueDefinition queue, String hookName, String propertyName, String source) {
		String property = "fila.queues." + queue.name() + "." + propertyName;
		LuaScript script = LuaScript.compile(source, property, this.resourceLoader);
		return new LuaHook(queue.name(), hookName, property, script, this.runtimeConfig, this.settings,
				this.observer, System::nanoTime);
	}

}
