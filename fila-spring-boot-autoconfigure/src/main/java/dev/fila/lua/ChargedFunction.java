package dev.fila.lua;

import java.util.function.Consumer;

import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * One of luaj's library functions, called once {@code charge} has checked its arguments and
 * charged what the call will cost to the current {@link CallBudget} (which may refuse it).
 */
final class ChargedFunction extends VarArgFunction {

	private final LuaValue function;

	private final Consumer<Varargs> charge;

	/**
	 * @param function luaj's function
	 * @param charge checks and charges the arguments of a call; throws to refuse it
	 */
	ChargedFunction(LuaValue function, Consumer<Varargs> charge) {
		this.function = function;
		this.charge = charge;
	}

	@Override
	public Varargs invoke(Varargs args) {
		this.charge.accept(args);
		return this.function.invoke(args);
	}

}
