package dev.fila.lua;

import java.util.function.Function;

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
 * The {@code string} and {@code table} functions that loop or allocate in Java are
 * replaced by ones that charge the call's {@link CallBudget}.
 */
final class LuaSandbox {

	private static final String[] REMOVED_BASE_FUNCTIONS = { "dofile", "loadfile", "load", "loadstring",
			"collectgarbage", "print" };

	/** The string library shared by every sandbox through the string metatable: frozen. */
	private static final LuaTable STRING_LIBRARY = ReadOnlyLuaTable
		.copyOf(BoundedStringLib.replace(library(new StringLib(), "string")));

	private static final LuaTable STRING_METATABLE = stringMetatable();

	private static final LuaTable TABLE_LIBRARY = ReadOnlyLuaTable
		.copyOf(BoundedTableLib.replace(library(new TableLib(), "table")));

	private static final LuaTable MATH_LIBRARY = ReadOnlyLuaTable.copyOf(library(new JseMathLib(), "math"));

	private static final LuaTable BIT32_LIBRARY = ReadOnlyLuaTable.copyOf(library(new Bit32Lib(), "bit32"));

	private static final LuaTable OS_SUBSET = osSubset();

	private final Globals globals;

	private final CallBudget budget;

	private final InstructionLimiter limiter;

	private final LuaLimits limits;

	private LuaSandbox(Globals globals, CallBudget budget, InstructionLimiter limiter, LuaLimits limits) {
		this.globals = globals;
		this.budget = budget;
		this.limiter = limiter;
		this.limits = limits;
	}

	/**
	 * @param limits what each call in the sandbox may allocate
	 * @return a new sandbox with its own globals
	 */
	static LuaSandbox create(LuaLimits limits) {
		Globals globals = new Globals();
		globals.load(new BaseLib());
		// Libraries register in package.loaded while loading; package itself is removed below.
		globals.load(new PackageLib());
		for (String name : REMOVED_BASE_FUNCTIONS) {
			globals.rawset(name, LuaValue.NIL);
		}
		globals.rawset("tonumber", BoundedStringLib.tonumber(globals.get("tonumber")));
		globals.rawset("string", STRING_LIBRARY);
		LuaString.s_metatable = STRING_METATABLE;
		// Library tables are frozen, so every sandbox can share them.
		globals.rawset("table", TABLE_LIBRARY);
		globals.rawset("math", MATH_LIBRARY);
		globals.rawset("bit32", BIT32_LIBRARY);
		globals.rawset("os", OS_SUBSET);
		CallBudget budget = new CallBudget();
		InstructionLimiter limiter = new InstructionLimiter(budget);
		limiter.call(LuaValue.valueOf("debug"), globals);
		globals.rawset("debug", LuaValue.NIL);
		globals.rawset("package", LuaValue.NIL);
		globals.rawset("require", LuaValue.NIL);
		globals.loader = null;
		globals.compiler = null;
		globals.undumper = null;
		globals.finder = null;
		return new LuaSandbox(globals, budget, limiter, limits);
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
		return call(new LuaClosure(prototype, this.globals), LuaValue.NONE, timeoutNanos, Function.identity());
	}

	/**
	 * Calls a Lua function under the time, depth and memory limits, and reads its results
	 * while they still apply. Whatever goes wrong inside ends as one of two throwables.
	 * @param <T> what the results are read into
	 * @param function the function
	 * @param arguments its arguments
	 * @param timeoutNanos the longest it may run
	 * @param reader reads the results; throws {@link LuaError} when they are malformed
	 * @return what the reader made of the results
	 * @throws LuaError when the function raised an error, Java code it called failed, or the
	 * reader refused the results
	 * @throws LuaLimitExceeded when it ran too long, too deep or out of memory
	 */
	<T> T call(LuaValue function, Varargs arguments, long timeoutNanos, Function<Varargs, T> reader) {
		// Re-assert the shared string metatable in case other luaj users in the JVM replaced it;
		// read before writing, so that threads do not contend on the field's cache line.
		if (LuaString.s_metatable != STRING_METATABLE) {
			LuaString.s_metatable = STRING_METATABLE;
		}
		this.limiter.reset();
		this.budget.arm(timeoutNanos, this.limits);
		try {
			return reader.apply(function.invoke(arguments));
		}
		catch (LuaError | LuaLimitExceeded ex) {
			throw ex;
		}
		catch (StackOverflowError ex) {
			throw new LuaLimitExceeded("script exceeded the Java stack", false);
		}
		catch (OutOfMemoryError ex) {
			// Last resort: the budget should stop a script long before; what it held is garbage now.
			throw new LuaLimitExceeded("script ran out of memory", false);
		}
		catch (RuntimeException ex) {
			throw new LuaError(ex);
		}
		finally {
			this.budget.disarm();
		}
	}

	/** @return the library table {@code name} as luaj builds it, in scratch globals never given to scripts */
	private static LuaTable library(LuaValue library, String name) {
		Globals scratch = new Globals();
		scratch.load(new BaseLib());
		scratch.load(new PackageLib());
		scratch.load(library);
		return (LuaTable) scratch.get(name);
	}

	private static LuaTable osSubset() {
		LuaTable os = library(new OsLib(), "os");
		ReadOnlyLuaTable subset = new ReadOnlyLuaTable();
		subset.rawset("time", os.get("time"));
		subset.rawset("clock", os.get("clock"));
		subset.seal();
		return subset;
	}

	private static LuaTable stringMetatable() {
		ReadOnlyLuaTable metatable = new ReadOnlyLuaTable();
		metatable.rawset(LuaValue.INDEX, STRING_LIBRARY);
		metatable.rawset(LuaValue.METATABLE, LuaValue.valueOf("protected"));
		metatable.seal();
		return metatable;
	}

}
