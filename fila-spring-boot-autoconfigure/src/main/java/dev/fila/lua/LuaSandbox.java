package dev.fila.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.OsLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Builds the globals a script runs with, by hand: never luaj's standard globals, which
 * include {@code luajava}, {@code io}, {@code os.execute} and the loaders.
 * <p>
 * Scripts get the base functions minus {@code dofile}, {@code loadfile}, {@code load},
 * {@code loadstring}, {@code collectgarbage} and {@code print}; read-only {@code string},
 * {@code table}, {@code math} and {@code bit32}; and an {@code os} table with only
 * {@code time} and {@code clock}. There is no {@code debug}, {@code package},
 * {@code require} (handler scripts get a restricted one), {@code coroutine} or
 * {@code luajava}, and no compiler or undumper, so no binary chunk can ever be loaded.
 * {@code string.rep} refuses results over {@value #MAX_STRING_BYTES} bytes.
 */
final class LuaSandbox {

	/** Largest string {@code string.rep} may build. */
	static final int MAX_STRING_BYTES = 1 << 20;

	private static final String[] REMOVED_BASE_FUNCTIONS = { "dofile", "loadfile", "load", "loadstring",
			"collectgarbage", "print" };

	/** The string library shared by every sandbox through the string metatable: frozen. */
	private static final LuaTable STRING_LIBRARY = frozenStringLibrary();

	private static final LuaTable STRING_METATABLE = stringMetatable();

	private static final LuaTable TABLE_LIBRARY = frozenLibrary(new TableLib(), "table");

	private static final LuaTable MATH_LIBRARY = frozenLibrary(new JseMathLib(), "math");

	private static final LuaTable BIT32_LIBRARY = frozenLibrary(new Bit32Lib(), "bit32");

	private static final LuaTable OS_SUBSET = osSubset();

	private final Globals globals;

	private final InstructionLimiter limiter;

	private LuaSandbox(Globals globals, InstructionLimiter limiter) {
		this.globals = globals;
		this.limiter = limiter;
	}

	/** @return a new sandbox with its own globals */
	static LuaSandbox create() {
		Globals globals = new Globals();
		globals.load(new BaseLib());
		// Libraries register in package.loaded while loading; package itself is removed below.
		globals.load(new PackageLib());
		for (String name : REMOVED_BASE_FUNCTIONS) {
			globals.rawset(name, LuaValue.NIL);
		}
		globals.rawset("string", STRING_LIBRARY);
		LuaString.s_metatable = STRING_METATABLE;
		// Library tables are frozen, so every sandbox can share them.
		globals.rawset("table", TABLE_LIBRARY);
		globals.rawset("math", MATH_LIBRARY);
		globals.rawset("bit32", BIT32_LIBRARY);
		globals.rawset("os", OS_SUBSET);
		InstructionLimiter limiter = new InstructionLimiter();
		limiter.call(LuaValue.valueOf("debug"), globals);
		globals.rawset("debug", LuaValue.NIL);
		globals.rawset("package", LuaValue.NIL);
		globals.rawset("require", LuaValue.NIL);
		globals.loader = null;
		globals.compiler = null;
		globals.undumper = null;
		globals.finder = null;
		return new LuaSandbox(globals, limiter);
	}

	/** @return the sandbox's global table, where hooks define their functions */
	Globals globals() {
		return this.globals;
	}

	/**
	 * Runs a compiled chunk in this sandbox.
	 * @param prototype the compiled script
	 * @param timeoutNanos the longest it may run
	 * @return what the chunk returned
	 */
	Varargs runChunk(Prototype prototype, long timeoutNanos) {
		return call(new LuaClosure(prototype, this.globals), LuaValue.NONE, timeoutNanos);
	}

	/**
	 * Calls a Lua function under the time and depth limits.
	 * @param function the function
	 * @param arguments its arguments
	 * @param timeoutNanos the longest it may run
	 * @return its results
	 * @throws LuaError when the function raised an error
	 * @throws InstructionLimiter.LuaLimitExceeded when it ran too long or too deep
	 */
	Varargs call(LuaValue function, Varargs arguments, long timeoutNanos) {
		// Re-assert the shared string metatable in case other luaj users in the JVM replaced it;
		// read before writing, so that threads do not contend on the field's cache line.
		if (LuaString.s_metatable != STRING_METATABLE) {
			LuaString.s_metatable = STRING_METATABLE;
		}
		this.limiter.arm(timeoutNanos);
		try {
			return function.invoke(arguments);
		}
		finally {
			this.limiter.disarm();
		}
	}

	/** Globals to build a library in, so its table can be copied out; never given to scripts. */
	private static Globals scratchGlobals() {
		Globals scratch = new Globals();
		scratch.load(new BaseLib());
		scratch.load(new PackageLib());
		return scratch;
	}

	private static LuaTable frozenLibrary(LuaValue library, String name) {
		Globals scratch = scratchGlobals();
		scratch.load(library);
		return ReadOnlyLuaTable.copyOf((LuaTable) scratch.get(name));
	}

	private static LuaTable osSubset() {
		Globals scratch = scratchGlobals();
		scratch.load(new OsLib());
		LuaValue os = scratch.get("os");
		ReadOnlyLuaTable subset = new ReadOnlyLuaTable();
		subset.rawset("time", os.get("time"));
		subset.rawset("clock", os.get("clock"));
		subset.seal();
		return subset;
	}

	private static LuaTable frozenStringLibrary() {
		Globals scratch = scratchGlobals();
		scratch.load(new StringLib());
		LuaTable string = (LuaTable) scratch.get("string");
		LuaTable copy = new LuaTable();
		LuaValues.forEach(string, copy::rawset);
		copy.rawset("dump", LuaValue.NIL);
		copy.rawset("rep", new BoundedRep(string.get("rep")));
		return ReadOnlyLuaTable.copyOf(copy);
	}

	private static LuaTable stringMetatable() {
		ReadOnlyLuaTable metatable = new ReadOnlyLuaTable();
		metatable.rawset(LuaValue.INDEX, STRING_LIBRARY);
		metatable.rawset(LuaValue.METATABLE, LuaValue.valueOf("protected"));
		metatable.seal();
		return metatable;
	}

	/** {@code string.rep} that refuses to build huge strings. */
	private static final class BoundedRep extends VarArgFunction {

		private final LuaValue rep;

		BoundedRep(LuaValue rep) {
			this.rep = rep;
		}

		@Override
		public Varargs invoke(Varargs args) {
			long length = (long) args.checkstring(1).length() * Math.max(0, args.checkint(2))
					+ (long) (args.isnil(3) ? 0 : args.checkstring(3).length()) * Math.max(0, args.checkint(2) - 1);
			if (length > MAX_STRING_BYTES) {
				throw new LuaError("string.rep result too large (" + length + " bytes, limit " + MAX_STRING_BYTES + ")");
			}
			return this.rep.invoke(args);
		}

	}

}
