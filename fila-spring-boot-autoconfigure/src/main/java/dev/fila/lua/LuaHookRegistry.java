package dev.fila.lua;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Lua hooks of every queue, for health details: errors, timeouts, circuit breakers.
 */
public class LuaHookRegistry {

	private final List<LuaHook> hooks = new CopyOnWriteArrayList<>();

	void register(LuaHook hook) {
		this.hooks.add(hook);
	}

	/** @return the state of every hook, in the order they were compiled */
	public List<LuaHookState> states() {
		List<LuaHookState> states = new ArrayList<>(this.hooks.size());
		for (LuaHook hook : this.hooks) {
			states.add(hook.state());
		}
		return states;
	}

}
