package dev.fila.lua;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Stops a script that runs too long or recurses too deep. luaj calls these debug hooks on
 * every instruction and call; the {@code debug} table itself is never given to scripts.
 * <p>
 * Time is the CPU time the thread spent in the call, so a garbage collection pause or a
 * thread descheduled on a busy machine does not stop a healthy hook. The clock is read every
 * {@value #CHECK_EVERY} instructions (most hooks finish before the first check); the thread's
 * CPU clock only once the wall-clock budget is spent. A call stuck off-CPU is still stopped
 * after {@value #WALL_LIMIT_FACTOR} times its budget of wall-clock time.
 * <p>
 * It throws {@link LuaLimitExceeded}, a Java {@link Error}, because Lua's {@code pcall}
 * catches Lua errors and exceptions but not errors: a script cannot swallow its own timeout.
 * Once tripped it keeps throwing until re-armed. One instance per sandbox, used by one thread
 * at a time.
 */
final class InstructionLimiter extends DebugLib {

	private static final int CHECK_EVERY = 256;

	private static final int WALL_LIMIT_FACTOR = 20;

	private static final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private static final boolean cpuTimeSupported = isCpuTimeSupported();

	private long timeout;

	private long start;

	private long cpuStart;

	private long cpuBeforeStart;

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
		this.timeout = timeoutNanos;
		this.start = System.nanoTime();
		this.deadline = this.start + timeoutNanos;
		this.cpuStart = -1;
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
			checkTime();
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
	}

	private void checkTime() {
		long now = System.nanoTime();
		if (this.cpuStart < 0 && cpuTimeSupported) {
			// First check: from here on CPU time is measured; before it, assume the thread ran.
			this.cpuStart = threads.getCurrentThreadCpuTime();
			this.cpuBeforeStart = now - this.start;
		}
		if (now - this.deadline <= 0) {
			return;
		}
		if (!cpuTimeSupported || now - this.start > this.timeout * WALL_LIMIT_FACTOR) {
			trip("script exceeded its time limit");
		}
		long used = threads.getCurrentThreadCpuTime() - this.cpuStart + this.cpuBeforeStart;
		if (used >= this.timeout) {
			trip("script exceeded its time limit");
		}
		// Descheduled or paused: check again when the rest of the CPU budget could be spent.
		this.deadline = now + (this.timeout - used);
	}

	private static boolean isCpuTimeSupported() {
		try {
			return threads.isCurrentThreadCpuTimeSupported() && threads.getCurrentThreadCpuTime() >= 0;
		}
		catch (UnsupportedOperationException ex) {
			return false;
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
