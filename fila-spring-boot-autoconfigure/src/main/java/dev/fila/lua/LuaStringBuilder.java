package dev.fila.lua;

import java.util.Arrays;

import org.luaj.vm2.LuaString;

/**
 * Builds a Lua string in Java, charging the call's {@link CallBudget} as it grows: a result
 * longer than the string limit raises a Lua error before its bytes are allocated.
 */
final class LuaStringBuilder {

	private final CallBudget budget;

	private byte[] bytes;

	private int length;

	/**
	 * @param budget the call's budget
	 * @param expected the length the result probably has (capped by the string limit)
	 */
	LuaStringBuilder(CallBudget budget, int expected) {
		this.budget = budget;
		int capacity = Math.min(expected, budget.limits().maxStringBytes());
		this.budget.allocate(capacity);
		this.bytes = new byte[capacity];
	}

	/** @return the bytes appended so far */
	int length() {
		return this.length;
	}

	void append(byte b) {
		ensure(1);
		this.bytes[this.length++] = b;
	}

	void append(LuaString string) {
		int n = string.length();
		ensure(n);
		string.copyInto(0, this.bytes, this.length, n);
		this.length += n;
	}

	LuaString toLuaString() {
		return LuaString.valueUsing(this.bytes, 0, this.length);
	}

	private void ensure(int more) {
		long needed = (long) this.length + more;
		if (needed <= this.bytes.length) {
			return;
		}
		this.budget.checkLength(needed);
		long doubled = Math.min(this.bytes.length * 2L, this.budget.limits().maxStringBytes());
		long capacity = Math.min(Math.max(needed, doubled), Integer.MAX_VALUE - 8);
		this.budget.allocate(capacity);
		this.budget.work(this.length / CallBudget.BYTES_PER_UNIT);
		this.bytes = Arrays.copyOf(this.bytes, (int) capacity);
	}

}
