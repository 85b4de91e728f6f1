package dev.fila.lua;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaNumber;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Charges a sandbox's {@link CallBudget} for every instruction and stops a script that
 * recurses too deep. luaj calls these debug hooks on every instruction and call; the
 * {@code debug} table itself is never given to scripts.
 * <p>
 * Most instructions cost one unit. A few run a loop over string bytes in Java, within one
 * instruction: {@code ..} (luaj copies every operand), comparisons and arithmetic on strings.
 * Those are charged by size before they run, and a {@code ..} whose result would be longer
 * than the string limit raises a Lua error instead of allocating it, so doubling a string in a
 * loop stops at the limit. One instance per sandbox, used by one thread at a time.
 */
final class InstructionLimiter extends DebugLib {

	static final int MAX_CALL_DEPTH = 200;

	/** An upper bound of the length of a number converted to a string by {@code ..}. */
	private static final int NUMBER_LENGTH = 32;

	private final CallBudget budget;

	private int depth;

	/** The running Lua function (null in {@code pcall}) and its registers. */
	private @Nullable LuaClosure closure;

	private LuaValue @Nullable [] stack;

	/** The instruction about to run in {@link #closure}. */
	private int pc;

	/** The callers of the running function, to resume reading their instructions on return. */
	private @Nullable LuaClosure[] callers = new LuaClosure[16];

	private LuaValue[] @Nullable [] callerStacks = new LuaValue[16][];

	private int[] callerPcs = new int[16];

	private int frames;

	InstructionLimiter(CallBudget budget) {
		this.budget = budget;
	}

	/** Starts limiting a new call: no function is running. */
	void reset() {
		this.depth = 0;
		this.frames = 0;
		this.closure = null;
		this.stack = null;
	}

	@Override
	public void onInstruction(int pc, Varargs v, int top) {
		LuaClosure running = this.closure;
		LuaValue[] registers = this.stack;
		if (running != null && registers != null) {
			this.pc = pc;
			int instruction = running.p.code[pc];
			switch (instruction & 0x3f) {
				case Lua.OP_CONCAT -> concat(instruction, registers);
				case Lua.OP_ADD, Lua.OP_SUB, Lua.OP_MUL, Lua.OP_DIV, Lua.OP_MOD, Lua.OP_POW, Lua.OP_UNM, Lua.OP_EQ,
						Lua.OP_LT, Lua.OP_LE ->
					operands(instruction, running.p.k, registers);
				default -> {
				}
			}
		}
		this.budget.work(1);
	}

	@Override
	public void onCall(LuaFunction f) {
		enter(null, null);
		super.onCall(f);
	}

	@Override
	public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
		enter(c, stack);
		super.onCall(c, varargs, stack);
	}

	@Override
	public void onReturn() {
		this.depth--;
		if (this.frames > 0) {
			this.frames--;
			this.closure = this.callers[this.frames];
			this.stack = this.callerStacks[this.frames];
			this.pc = this.callerPcs[this.frames];
			this.callers[this.frames] = null;
			this.callerStacks[this.frames] = null;
		}
		super.onReturn();
	}

	private void enter(@Nullable LuaClosure callee, LuaValue @Nullable [] calleeStack) {
		// Checked before the frame is pushed: luaj calls no onReturn when onCall throws.
		if (++this.depth > MAX_CALL_DEPTH) {
			this.depth--;
			this.budget.trip("script exceeded the call depth limit of " + MAX_CALL_DEPTH, false);
		}
		// A __concat metamethod: luaj's .. may have copied a string the limit did not see
		// (an earlier metamethod's result) since the last one; measure what it allocated.
		if (this.closure != null && (this.closure.p.code[this.pc] & 0x3f) == Lua.OP_CONCAT) {
			this.budget.checkAllocation();
		}
		if (this.frames == this.callers.length) {
			this.callers = Arrays.copyOf(this.callers, this.frames * 2);
			this.callerStacks = Arrays.copyOf(this.callerStacks, this.frames * 2);
			this.callerPcs = Arrays.copyOf(this.callerPcs, this.frames * 2);
		}
		this.callers[this.frames] = this.closure;
		this.callerStacks[this.frames] = this.stack;
		this.callerPcs[this.frames] = this.pc;
		this.frames++;
		this.closure = callee;
		this.stack = calleeStack;
		this.pc = 0;
	}

	/** {@code R(A) := R(B) .. ... .. R(C)}: luaj copies every operand into one new string. */
	private void concat(int instruction, LuaValue[] stack) {
		int b = instruction >>> 23;
		int c = (instruction >> 14) & 0x1ff;
		long length = 0;
		for (int register = b; register <= c; register++) {
			LuaValue operand = stack[register];
			length += (operand instanceof LuaString string) ? string.length()
					: (operand instanceof LuaNumber) ? NUMBER_LENGTH : 0;
		}
		this.budget.string(length);
	}

	/** Arithmetic and comparisons read string operands whole (to convert or compare them). */
	private void operands(int instruction, LuaValue[] constants, LuaValue[] stack) {
		int b = instruction >>> 23;
		int c = (instruction >> 14) & 0x1ff;
		long bytes = length((b > 0xff) ? constants[b & 0xff] : stack[b]);
		if ((instruction & 0x3f) != Lua.OP_UNM) {
			bytes += length((c > 0xff) ? constants[c & 0xff] : stack[c]);
		}
		if (bytes > 0) {
			this.budget.work(bytes / CallBudget.BYTES_PER_UNIT);
		}
	}

	private static long length(LuaValue value) {
		return (value instanceof LuaString string) ? string.length() : 0;
	}

}
