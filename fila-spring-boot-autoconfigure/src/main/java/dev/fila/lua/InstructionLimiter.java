package dev.fila.lua;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Stops a script that runs too long or recurses too deep. luaj calls these debug hooks on
 * every instruction and call; the {@code debug} table itself is never given to scripts.
 * <p>
 * It throws {@link LuaLimitExceeded}, a Java {@link Error}, because Lua's {@code pcall}
 * catches Lua errors and exceptions but not errors: a script cannot swallow its own timeout.
 * Once tripped it keeps throwing until re-armed. One instance per sandbox, used by one thread
 * at a time.
 */
final class InstructionLimiter extends DebugLib {

	private static final int CHECK_EVERY = 256;

	static final int MAX_CALL_DEPTH = 200;

	private long deadline;

	private boolean armed;

	private int untilCheck = CHECK_EVERY;

	private int depth;

	private String limitMessage = "";

	/**
	 * Starts limiting a call.
	 * @param timeoutNanos the longest the call may run
	 */
	void arm(long timeoutNanos) {
		this.deadline = System.nanoTime() + timeoutNanos;
		this.untilCheck = CHECK_EVERY;
		this.depth = 0;
		this.limitMessage = "";
		this.armed = true;
	}

	void disarm() {
		this.armed = false;
	}

	@Override
	public void onInstruction(int pc, Varargs v, int top) {
		if (this.armed && --this.untilCheck <= 0) {
			this.untilCheck = CHECK_EVERY;
			if (System.nanoTime() - this.deadline > 0) {
				trip("script exceeded its time limit");
			}
		}
		if (!this.limitMessage.isEmpty()) {
			throw new LuaLimitExceeded(this.limitMessage);
		}
	}

	@Override
	public void onCall(LuaFunction f) {
		enter();
		super.onCall(f);
	}

	@Override
	public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
		enter();
		super.onCall(c, varargs, stack);
	}

	@Override
	public void onReturn() {
		this.depth--;
		super.onReturn();
	}

	private void enter() {
		if (this.armed && ++this.depth > MAX_CALL_DEPTH) {
			trip("script exceeded the call depth limit of " + MAX_CALL_DEPTH);
		}
		if (this.armed && System.nanoTime() - this.deadline > 0) {
			trip("script exceeded its time limit");
		}
	}

	private void trip(String message) {
		this.limitMessage = message;
		throw new LuaLimitExceeded(message);
	}

	/** Thrown when a script runs too long or too deep. */
	static final class LuaLimitExceeded extends Error {

		private static final long serialVersionUID = 1L;

		LuaLimitExceeded(String message) {
			super(message, null, false, false);
		}

	}

}
