package dev.fila.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The {@code table} library with the functions that loop or allocate in Java charging the
 * call's {@link CallBudget}: {@code concat} (its result within the string limit),
 * {@code insert} and {@code remove} (the elements they shift), {@code sort} (every
 * comparison, by the bytes compared), {@code unpack} and {@code pack} (the values they copy).
 * {@code concat} and {@code unpack} read elements raw, as Lua 5.2 does.
 */
final class BoundedTableLib {

	/** Lua 5.2's stack limit: more results than this cannot be unpacked. */
	static final int MAX_RESULTS = 1_000_000;

	private BoundedTableLib() {
	}

	/**
	 * @param table luaj's {@code table} table
	 * @return a copy with the bounded functions
	 */
	static LuaTable replace(LuaTable table) {
		LuaTable bounded = new LuaTable();
		LuaValues.forEach(table, bounded::rawset);
		bounded.rawset("concat", new Concat());
		bounded.rawset("insert", new ChargedFunction(table.get("insert"), (args) -> chargeShift(args, true)));
		bounded.rawset("remove", new ChargedFunction(table.get("remove"), (args) -> chargeShift(args, false)));
		bounded.rawset("sort", new Sort(table.get("sort")));
		bounded.rawset("unpack", new Unpack());
		bounded.rawset("pack", new ChargedFunction(table.get("pack"), (args) -> {
			CallBudget budget = CallBudget.current();
			budget.allocate(args.narg() * 16L);
			budget.work(args.narg() / 8);
		}));
		return bounded;
	}

	/** {@code table.concat(list, sep, i, j)}. */
	private static final class Concat extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaTable list = args.checktable(1);
			LuaString sep = args.isnil(2) ? EMPTYSTRING : args.checkstring(2);
			int i = args.optint(3, 1);
			int j = args.isnil(4) ? list.rawlen() : args.checkint(4);
			LuaStringBuilder out = new LuaStringBuilder(CallBudget.current(), 0);
			for (long k = i; k <= j; k++) {
				LuaValue value = list.rawget((int) k);
				if (!value.isstring()) {
					throw new LuaError("invalid value (at index " + k + ") in table for 'concat'");
				}
				if (k > i) {
					out.append(sep);
				}
				out.append(value.strvalue());
			}
			return out.toLuaString();
		}

	}

	/** {@code table.insert} and {@code table.remove}: luaj's, after charging the elements they move. */
	private static void chargeShift(Varargs args, boolean insert) {
		int length = args.checktable(1).rawlen();
		boolean positioned = insert ? args.narg() >= 3 : !args.isnil(2);
		long moved = positioned ? length - args.checklong(2) + 1 : 1;
		CallBudget.current().work(Math.max(1, moved));
	}

	/** {@code table.sort(list, comp)}: luaj's heap sort, with every comparison charged. */
	private static final class Sort extends VarArgFunction {

		private final LuaValue sort;

		Sort(LuaValue sort) {
			this.sort = sort;
		}

		@Override
		public Varargs invoke(Varargs args) {
			LuaTable table = args.checktable(1);
			LuaValue comparator = args.isnil(2) ? new LessThan() : args.checkfunction(2);
			CallBudget.current().work(table.rawlen());
			return this.sort.invoke(varargsOf(table, comparator));
		}

	}

	/** The default order of {@code table.sort}, charging the bytes it compares. */
	private static final class LessThan extends TwoArgFunction {

		@Override
		public LuaValue call(LuaValue a, LuaValue b) {
			long bytes = (a.type() == TSTRING && b.type() == TSTRING) ? Math.min(a.rawlen(), b.rawlen()) : 0;
			CallBudget.current().work(1 + bytes / CallBudget.BYTES_PER_UNIT);
			return valueOf(a.lt_b(b));
		}

	}

	/** {@code table.unpack(list, i, j)}. */
	private static final class Unpack extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaTable list = args.checktable(1);
			long i = args.optlong(2, 1);
			long j = args.isnil(3) ? list.rawlen() : args.checklong(3);
			if (i > j) {
				return NONE;
			}
			long n = j - i + 1;
			if (n <= 0 || n > MAX_RESULTS) {
				throw new LuaError("too many results to unpack");
			}
			CallBudget budget = CallBudget.current();
			budget.allocate(n * 8);
			budget.work(n / 8);
			LuaValue[] values = new LuaValue[(int) n];
			for (int k = 0; k < n; k++) {
				values[k] = list.rawget((int) (i + k));
			}
			return varargsOf(values);
		}

	}

}
