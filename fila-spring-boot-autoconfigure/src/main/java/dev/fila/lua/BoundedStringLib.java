package dev.fila.lua;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The {@code string} library with every function that loops or allocates in proportion to
 * its arguments charging the call's {@link CallBudget}: pattern matching counts its steps,
 * and results longer than the string limit raise a Lua error before they are built.
 * {@code string.dump} is removed.
 */
final class BoundedStringLib {

	/** Bytes luaj may add to a {@code string.format} argument (padding, sign, digits). */
	private static final int FORMAT_ITEM_BYTES = 128;

	private static final LuaString SPECIALS = LuaValue.valueOf("^$*+?.([%-");

	private BoundedStringLib() {
	}

	/**
	 * @param string luaj's {@code string} table
	 * @return a copy with the bounded functions
	 */
	static LuaTable replace(LuaTable string) {
		LuaTable bounded = new LuaTable();
		LuaValues.forEach(string, bounded::rawset);
		bounded.rawset("dump", LuaValue.NIL);
		bounded.rawset("byte", new Byte());
		bounded.rawset("char", sized(string.get("char"), false));
		bounded.rawset("find", new Find(true));
		bounded.rawset("format", new ChargedFunction(string.get("format"), BoundedStringLib::chargeFormat));
		bounded.rawset("gmatch", new Gmatch());
		bounded.rawset("gsub", new Gsub());
		bounded.rawset("lower", sized(string.get("lower"), true));
		bounded.rawset("match", new Find(false));
		bounded.rawset("rep", new Rep());
		bounded.rawset("reverse", sized(string.get("reverse"), true));
		bounded.rawset("upper", sized(string.get("upper"), true));
		return bounded;
	}

	/**
	 * @param tonumber luaj's {@code tonumber}
	 * @return {@code tonumber} charging the work of scanning a string
	 */
	static LuaValue tonumber(LuaValue tonumber) {
		return new ChargedFunction(tonumber, (args) -> {
			LuaValue value = args.arg1();
			if (value.type() == LuaValue.TSTRING) {
				CallBudget budget = CallBudget.current();
				budget.allocate(value.rawlen() * 2L);
				budget.work(value.rawlen() / CallBudget.BYTES_PER_UNIT);
			}
		});
	}

	/**
	 * A function whose result is about as long as its string argument (or, for
	 * {@code string.char}, as its number of arguments): checked and charged before luaj's runs.
	 */
	private static LuaValue sized(LuaValue function, boolean ofString) {
		return new ChargedFunction(function, (args) -> {
			long length = ofString ? args.checkstring(1).length() : args.narg();
			CallBudget budget = CallBudget.current();
			budget.string(length);
			// lower and upper go through a Java String: twice the bytes again.
			budget.allocate(length * 2);
		});
	}

	/** {@code string.byte(s, i, j)}: one value per byte, so a long range is charged. */
	private static final class Byte extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaString s = args.checkstring(1);
			int l = s.length();
			long posi = position(args.optint(2, 1), l);
			long pose = position(args.optint(3, (int) posi), l);
			posi = Math.max(posi, 1);
			pose = Math.min(pose, l);
			if (posi > pose) {
				return NONE;
			}
			int n = (int) (pose - posi + 1);
			CallBudget budget = CallBudget.current();
			budget.allocate(n * 16L);
			budget.work(n / 8);
			LuaValue[] values = new LuaValue[n];
			for (int i = 0; i < n; i++) {
				values[i] = valueOf(s.luaByte((int) posi + i - 1));
			}
			return varargsOf(values);
		}

	}

	/** {@code string.rep(s, n, sep)}, refusing results over the string limit. */
	private static final class Rep extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaString s = args.checkstring(1);
			long n = args.checklong(2);
			LuaString sep = args.isnil(3) ? EMPTYSTRING : args.checkstring(3);
			// Nothing to copy: the loop below would spin n times, uncharged, for an empty result.
			if (n <= 0 || s.length() + sep.length() == 0) {
				return EMPTYSTRING;
			}
			long length = Math.multiplyHigh(n, s.length() + sep.length()) != 0 ? Long.MAX_VALUE
					: n * (s.length() + sep.length()) - sep.length();
			CallBudget budget = CallBudget.current();
			budget.string(length);
			byte[] bytes = new byte[(int) length];
			int offset = 0;
			for (long i = 0; i < n; i++) {
				if (i > 0) {
					sep.copyInto(0, bytes, offset, sep.length());
					offset += sep.length();
				}
				s.copyInto(0, bytes, offset, s.length());
				offset += s.length();
			}
			return LuaString.valueUsing(bytes);
		}

	}

	/**
	 * {@code string.format}: refused when its arguments could make a result over the string
	 * limit ({@code %q} may quadruple a string), else luaj's.
	 */
	private static void chargeFormat(Varargs args) {
		LuaString template = args.checkstring(1);
		int quoting = (template.indexOf((byte) 'q', 0) >= 0) ? 4 : 1;
		long length = template.length();
		for (int i = 2; i <= args.narg(); i++) {
			LuaValue arg = args.arg(i);
			length += FORMAT_ITEM_BYTES + ((arg.type() == LuaValue.TSTRING) ? (long) arg.rawlen() * quoting : 0);
		}
		// Each directive may pad even without an argument (then luaj raises an error).
		length += (long) count(template, (byte) '%') * FORMAT_ITEM_BYTES;
		CallBudget.current().string(length);
	}

	private static int count(LuaString s, byte b) {
		int n = 0;
		for (int i = s.indexOf(b, 0); i >= 0; i = s.indexOf(b, i + 1)) {
			n++;
		}
		return n;
	}

	/** {@code string.find} and {@code string.match}. */
	private static final class Find extends VarArgFunction {

		private final boolean find;

		Find(boolean find) {
			this.find = find;
		}

		@Override
		public Varargs invoke(Varargs args) {
			LuaString s = args.checkstring(1);
			LuaString pattern = args.checkstring(2);
			int length = s.length();
			int init = (int) Math.max(1, position(args.optint(3, 1), length)) - 1;
			if (init > length) {
				return NIL;
			}
			CallBudget budget = CallBudget.current();
			if (this.find && (args.arg(4).toboolean() || pattern.indexOfAny(SPECIALS) == -1)) {
				int at = indexOf(s, pattern, init, budget);
				return (at < 0) ? NIL : varargsOf(valueOf(at + 1), valueOf(at + pattern.length()));
			}
			LuaPattern matcher = new LuaPattern(s, pattern, budget);
			boolean anchor = pattern.length() > 0 && pattern.luaByte(0) == '^';
			int soff = init;
			do {
				matcher.reset();
				int end = matcher.match(soff, anchor ? 1 : 0);
				if (end != -1) {
					return this.find ? varargsOf(valueOf(soff + 1), valueOf(end), matcher.captures(false, soff, end))
							: matcher.captures(true, soff, end);
				}
			}
			while (soff++ < length && !anchor);
			return NIL;
		}

		/** A plain search, charging the bytes it compares. */
		private static int indexOf(LuaString s, LuaString pattern, int start, CallBudget budget) {
			int n = pattern.length();
			int last = s.length() - n;
			if (n == 0) {
				return (start <= s.length()) ? start : -1;
			}
			int first = pattern.luaByte(0);
			for (int i = start; i <= last; i++) {
				if (s.luaByte(i) == first) {
					budget.work(1 + n / CallBudget.BYTES_PER_UNIT);
					if (LuaString.equals(s, i, pattern, 0, n)) {
						return i;
					}
				}
				else if ((i & 63) == 0) {
					budget.work(1);
				}
			}
			return -1;
		}

	}

	/** {@code string.gmatch}: the iterator charges the budget of the call it runs in. */
	private static final class Gmatch extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaString s = args.checkstring(1);
			LuaString pattern = args.checkstring(2);
			return new VarArgFunction() {
				private int soffset;

				@Override
				public Varargs invoke(Varargs ignored) {
					LuaPattern matcher = new LuaPattern(s, pattern, CallBudget.current());
					for (; this.soffset <= s.length(); this.soffset++) {
						matcher.reset();
						int end = matcher.match(this.soffset, 0);
						if (end != -1) {
							int start = this.soffset;
							// An empty match moves on one byte, so the iterator always advances.
							this.soffset = (end == start) ? end + 1 : end;
							return matcher.captures(true, start, end);
						}
					}
					return NIL;
				}
			};
		}

	}

	/** {@code string.gsub(s, pattern, repl, n)}, its result built within the string limit. */
	private static final class Gsub extends VarArgFunction {

		@Override
		public Varargs invoke(Varargs args) {
			LuaString src = args.checkstring(1);
			int srclen = src.length();
			LuaString pattern = args.checkstring(2);
			LuaValue replacement = args.arg(3);
			int max = args.optint(4, srclen + 1);
			boolean anchor = pattern.length() > 0 && pattern.luaByte(0) == '^';
			CallBudget budget = CallBudget.current();
			LuaStringBuilder out = new LuaStringBuilder(budget, srclen);
			LuaPattern matcher = new LuaPattern(src, pattern, budget);
			int soffset = 0;
			int n = 0;
			while (n < max) {
				matcher.reset();
				int end = matcher.match(soffset, anchor ? 1 : 0);
				if (end != -1) {
					n++;
					matcher.addValue(out, soffset, end, replacement);
				}
				if (end != -1 && end > soffset) {
					soffset = end;
				}
				else if (soffset < srclen) {
					out.append((byte) src.luaByte(soffset++));
				}
				else {
					break;
				}
				if (anchor) {
					break;
				}
			}
			out.append(src.substring(soffset, srclen));
			return varargsOf(out.toLuaString(), valueOf(n));
		}

	}

	private static long position(long pos, int length) {
		return (pos >= 0) ? pos : length + pos + 1;
	}

}
