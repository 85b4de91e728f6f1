package dev.fila.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A Lua table scripts can read but never change, nor re-metatable: library tables shared
 * between calls (and, for {@code string}, between every sandbox in the JVM) are frozen so one
 * script cannot plant code that another runs.
 */
final class ReadOnlyLuaTable extends LuaTable {

	private static final LuaTable PROTECTED_METATABLE = new LuaTable();

	static {
		PROTECTED_METATABLE.rawset(LuaValue.METATABLE, LuaValue.valueOf("protected"));
	}

	private boolean sealed;

	/**
	 * @param source the entries to copy
	 * @return a frozen copy of {@code source}
	 */
	static ReadOnlyLuaTable copyOf(LuaTable source) {
		ReadOnlyLuaTable copy = new ReadOnlyLuaTable();
		LuaValues.forEach(source, copy::rawset);
		copy.seal();
		return copy;
	}

	/** Freezes the table: any later change raises a Lua error. */
	void seal() {
		super.setmetatable(PROTECTED_METATABLE);
		this.sealed = true;
	}

	private void checkWritable() {
		if (this.sealed) {
			throw new LuaError("attempt to modify a read-only table");
		}
	}

	@Override
	public void rawset(int key, LuaValue value) {
		checkWritable();
		super.rawset(key, value);
	}

	@Override
	public void rawset(LuaValue key, LuaValue value) {
		checkWritable();
		super.rawset(key, value);
	}

	@Override
	public void hashset(LuaValue key, LuaValue value) {
		checkWritable();
		super.hashset(key, value);
	}

	@Override
	public LuaValue setmetatable(LuaValue metatable) {
		checkWritable();
		return super.setmetatable(metatable);
	}

	@Override
	public void insert(int pos, LuaValue value) {
		checkWritable();
		super.insert(pos, value);
	}

	@Override
	public LuaValue remove(int pos) {
		checkWritable();
		return super.remove(pos);
	}

	@Override
	public void sort(LuaValue comparator) {
		checkWritable();
		super.sort(comparator);
	}

}
