package dev.fila.lua;

import java.util.Arrays;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua 5.2 patterns (reference manual §6.4.1) matched against one subject, for
 * {@link BoundedStringLib}.
 * <p>
 * The pattern is compiled into a list of items: a kind, a quantifier, and for character
 * classes a 256-bit set, so a single-character test is one bit lookup. Items are compiled
 * when the matcher first reaches them and kept across calls on the same matcher: a malformed
 * item that no attempt reaches raises no error, as in Lua. The matcher walks the items in a
 * loop and recurses only to keep a way back: for the alternatives of a quantified item.
 * Captures opened or closed by a failed attempt are undone from a trail. Each test charges
 * the call's {@link CallBudget}, and the recursion is at most {@value #MAX_MATCH_DEPTH} deep.
 */
final class LuaPattern {

	static final int MAX_MATCH_DEPTH = 200;

	private static final int MAX_CAPTURES = 32;

	/** Single-character tests charged as one unit of work (about one Lua instruction). */
	private static final int STEPS_PER_UNIT = 16;

	// Item kinds.
	private static final byte CLASS = 0, OPEN = 1, POSITION = 2, CLOSE = 3, BACKREF = 4, BALANCE = 5, FRONTIER = 6,
			AT_END = 7, DONE = 8;

	// Capture lengths that are not lengths.
	private static final int UNFINISHED = -1, POSITION_CAPTURE = -2;

	/** The sets of %a %c %d %g %l %p %s %u %w %x, by letter; ASCII only, as in the C locale. */
	private static final long[][] CLASSES = new long[128][];

	static {
		for (char letter : "acdglpsuwx".toCharArray()) {
			CLASSES[letter] = new long[4];
			for (int c = 0; c < 128; c++) {
				if (inClass(letter, c)) {
					CLASSES[letter][c >>> 6] |= 1L << c;
				}
			}
		}
	}

	private final LuaString subject;

	private final LuaString pattern;

	private final CallBudget budget;

	/** Steps left before the next unit of work is charged. */
	private int credit = STEPS_PER_UNIT;

	// The items compiled so far, from pattern offset start (after a '^' anchor): their kind,
	// quantifier ('*', '+', '-', '?' or 0), the pattern offset after them, their argument
	// (BACKREF: the capture number; BALANCE: its two characters), and for CLASS and
	// FRONTIER four longs of set.
	private int start = -1;
	private int count;
	private byte[] kinds = new byte[8];
	private byte[] quantifiers = new byte[8];
	private int[] ends = new int[8];
	private int[] args = new int[8];
	private long[] sets = new long[32];

	// The captures of the current attempt, and the trail of those it closed.
	private int level;
	private final int[] captureStart = new int[MAX_CAPTURES];
	private final int[] captureLength = new int[MAX_CAPTURES];
	private final int[] closed = new int[MAX_CAPTURES];
	private int closedCount;

	LuaPattern(LuaString subject, LuaString pattern, CallBudget budget) {
		this.subject = subject;
		this.pattern = pattern;
		this.budget = budget;
	}

	/** Forgets the captures of the previous attempt. */
	void reset() {
		this.level = 0;
		this.closedCount = 0;
	}

	/**
	 * @param soffset where in the subject the match must start
	 * @param poffset where in the pattern to start (1 after a '^' anchor)
	 * @return the subject offset where the match ends, or -1
	 */
	int match(int soffset, int poffset) {
		if (poffset != this.start) {
			this.start = poffset;
			this.count = 0;
		}
		return attempt(soffset, 0, 0);
	}

	/**
	 * @param wholeMatch whether to return the whole match when the pattern has no captures
	 * @return the captures of the last successful match
	 */
	Varargs captures(boolean wholeMatch, int soff, int end) {
		int n = (this.level == 0 && wholeMatch) ? 1 : this.level;
		if (n == 0) {
			return LuaValue.NONE;
		}
		LuaValue[] values = new LuaValue[n];
		for (int i = 0; i < n; i++) {
			values[i] = capture(i, soff, end, "");
		}
		return LuaValue.varargsOf(values);
	}

	/** Appends gsub's replacement of the match from soffset to end. */
	void addValue(LuaStringBuilder out, int soffset, int end, LuaValue replacement) {
		LuaValue value;
		switch (replacement.type()) {
			case LuaValue.TSTRING, LuaValue.TNUMBER -> {
				expand(out, soffset, end, replacement.strvalue());
				return;
			}
			case LuaValue.TFUNCTION -> value = replacement.invoke(captures(true, soffset, end)).arg1();
			case LuaValue.TTABLE -> value = replacement.get(capture(0, soffset, end, ""));
			default -> throw new LuaError(
					"bad argument #3 to 'gsub' (string/function/table expected, got " + replacement.typename() + ")");
		}
		if (!value.toboolean()) {
			out.append(this.subject.substring(soffset, end));
		}
		else if (value.isstring()) {
			out.append(value.strvalue());
		}
		else {
			throw new LuaError("invalid replacement value (a " + value.typename() + ")");
		}
	}

	/** A replacement string: %0 the whole match, %1-%9 a capture, %% a '%' (manual §6.4, string.gsub). */
	private void expand(LuaStringBuilder out, int soffset, int end, LuaString template) {
		int n = template.length();
		for (int i = 0; i < n; i++) {
			step();
			int c = template.luaByte(i);
			if (c != '%') {
				out.append((byte) c);
				continue;
			}
			if (++i == n) {
				throw new LuaError("invalid use of '%' in replacement string");
			}
			int d = template.luaByte(i);
			if (d == '0') {
				out.append(this.subject.substring(soffset, end));
			}
			else if (d >= '1' && d <= '9') {
				out.append(capture(d - '1', soffset, end, " in replacement string").strvalue());
			}
			else {
				// %% is a '%'; other escapes are undefined by the manual: luaj (unlike C Lua 5.2) keeps the character.
				out.append((byte) d);
			}
		}
	}

	/** Capture i; the whole match stands for the first when there are none. */
	private LuaValue capture(int i, int soff, int end, String where) {
		if (i >= this.level) {
			if (i != 0) {
				throw new LuaError("invalid capture index %" + (i + 1) + where);
			}
			return this.subject.substring(soff, end);
		}
		int length = this.captureLength[i];
		if (length == UNFINISHED) {
			throw new LuaError("unfinished capture");
		}
		int from = this.captureStart[i];
		return (length == POSITION_CAPTURE) ? LuaValue.valueOf(from + 1)
				: this.subject.substring(from, from + length);
	}

	/**
	 * Matches items from k on at subject offset s. Items that cannot need another try run in
	 * the loop; a quantified item tries its alternatives (longest first, or shortest first
	 * for '-') each in a nested attempt. A failed attempt leaves the captures as it found them.
	 */
	private int attempt(int s, int k, int depth) {
		if (depth > MAX_MATCH_DEPTH) {
			throw new LuaError("pattern too complex");
		}
		int savedLevel = this.level;
		int savedClosed = this.closedCount;
		int length = this.subject.length();
		tries: for (;; k++) {
			if (k == this.count) {
				compile();
			}
			switch (this.kinds[k]) {
				case DONE:
					return s;
				case AT_END:
					if (s != length) {
						break tries;
					}
					continue;
				case CLASS:
					int q = this.quantifiers[k];
					if (q == '-') {
						// Shortest first: the rest of the pattern, then one more character.
						while (true) {
							int end = attempt(s, k + 1, depth + 1);
							if (end != -1) {
								return end;
							}
							if (s == length || !test(k, s)) {
								break tries;
							}
							s++;
						}
					}
					// Longest first: as many characters as match (at most one without quantifier
					// or with '?'), then back off one at a time, down to the least allowed.
					int least = (q == 0 || q == '+') ? 1 : 0;
					int most = (q == 0 || q == '?') ? Math.min(1, length - s) : length - s;
					int n = 0;
					while (n < most && test(k, s + n)) {
						n++;
					}
					if (n < least) {
						break tries;
					}
					for (int i = n; i > least; i--) {
						int end = attempt(s + i, k + 1, depth + 1);
						if (end != -1) {
							return end;
						}
					}
					s += least;
					continue;
				case OPEN, POSITION:
					if (this.level == MAX_CAPTURES) {
						throw new LuaError("too many captures");
					}
					this.captureStart[this.level] = s;
					this.captureLength[this.level++] = (this.kinds[k] == OPEN) ? UNFINISHED : POSITION_CAPTURE;
					continue;
				case CLOSE:
					int open = this.level - 1;
					while (open >= 0 && this.captureLength[open] != UNFINISHED) {
						open--;
					}
					if (open < 0) {
						throw new LuaError("invalid pattern capture");
					}
					this.captureLength[open] = s - this.captureStart[open];
					this.closed[this.closedCount++] = open;
					continue;
				case BACKREF:
					int c = this.args[k] - 1;
					if (c < 0 || c >= this.level || this.captureLength[c] == UNFINISHED) {
						throw new LuaError("invalid capture index %" + (c + 1));
					}
					int len = this.captureLength[c];
					this.budget.work(1 + Math.max(len, 0) / CallBudget.BYTES_PER_UNIT);
					// A position capture is no string: nothing equals it.
					if (len < 0 || length - s < len
							|| !LuaString.equals(this.subject, this.captureStart[c], this.subject, s, len)) {
						break tries;
					}
					s += len;
					continue;
				case BALANCE:
					int to = balanced(s, this.args[k] >>> 8, this.args[k] & 0xff);
					if (to == -1) {
						break tries;
					}
					s = to;
					continue;
				case FRONTIER:
					int before = (s == 0) ? 0 : this.subject.luaByte(s - 1);
					int after = (s < length) ? this.subject.luaByte(s) : 0;
					if (in(k, before) || !in(k, after)) {
						break tries;
					}
					continue;
				default:
					throw new IllegalStateException();
			}
		}
		this.level = savedLevel;
		while (this.closedCount > savedClosed) {
			this.captureLength[this.closed[--this.closedCount]] = UNFINISHED;
		}
		return -1;
	}

	/** @return the offset after the balanced x...y starting at s, or -1 */
	private int balanced(int s, int x, int y) {
		int length = this.subject.length();
		if (s >= length || this.subject.luaByte(s) != x) {
			return -1;
		}
		int open = 1;
		for (int t = s + 1; t < length; t++) {
			step();
			int c = this.subject.luaByte(t);
			// The closing character first, so that %bxx pairs the next x.
			if (c == y) {
				if (--open == 0) {
					return t + 1;
				}
			}
			else if (c == x) {
				open++;
			}
		}
		return -1;
	}

	private boolean test(int k, int s) {
		step();
		return in(k, this.subject.luaByte(s));
	}

	private boolean in(int k, int c) {
		return (this.sets[(k << 2) + (c >>> 6)] & (1L << c)) != 0;
	}

	private void step() {
		if (--this.credit == 0) {
			this.credit = STEPS_PER_UNIT;
			this.budget.work(1);
		}
	}

	/** Compiles the next item, raising the error of a malformed one. */
	private void compile() {
		int k = this.count;
		if (k == this.kinds.length) {
			grow();
		}
		int p = (k == 0) ? this.start : this.ends[k - 1];
		int plength = this.pattern.length();
		this.budget.work(1);
		this.quantifiers[k] = 0;
		int c = (p < plength) ? this.pattern.luaByte(p) : -1;
		int d = (p + 1 < plength) ? this.pattern.luaByte(p + 1) : -1;
		if (c == -1) {
			item(k, DONE, p);
		}
		else if (c == '(') {
			item(k, (d == ')') ? POSITION : OPEN, (d == ')') ? p + 2 : p + 1);
		}
		else if (c == ')') {
			item(k, CLOSE, p + 1);
		}
		else if (c == '$' && d == -1) {
			// Only at the very end is '$' an anchor.
			item(k, AT_END, p + 1);
		}
		else if (c == '%' && d == 'b') {
			if (p + 3 >= plength) {
				throw new LuaError("malformed pattern (missing arguments to '%b')");
			}
			this.args[k] = (this.pattern.luaByte(p + 2) << 8) | this.pattern.luaByte(p + 3);
			item(k, BALANCE, p + 4);
		}
		else if (c == '%' && d == 'f') {
			if (p + 2 >= plength || this.pattern.luaByte(p + 2) != '[') {
				throw new LuaError("missing '[' after '%f' in pattern");
			}
			item(k, FRONTIER, set(k, p + 2));
		}
		else if (c == '%' && d >= '0' && d <= '9') {
			this.args[k] = d - '0';
			item(k, BACKREF, p + 2);
		}
		else {
			int q = set(k, p);
			int quantifier = (q < plength) ? this.pattern.luaByte(q) : -1;
			boolean quantified = quantifier == '*' || quantifier == '+' || quantifier == '-' || quantifier == '?';
			this.quantifiers[k] = quantified ? (byte) quantifier : 0;
			item(k, CLASS, quantified ? q + 1 : q);
		}
	}

	private void item(int k, byte kind, int end) {
		this.kinds[k] = kind;
		this.ends[k] = end;
		this.count = k + 1;
	}

	/**
	 * Reads the single-character class at p ({@code x}, {@code .}, {@code %x} or
	 * {@code [set]}) into item k's set.
	 * @return the offset after it
	 */
	private int set(int k, int p) {
		int base = k << 2;
		Arrays.fill(this.sets, base, base + 4, 0L);
		int c = this.pattern.luaByte(p);
		if (c == '.') {
			addRange(this.sets, base, 0, 255);
			return p + 1;
		}
		if (c == '[') {
			return bracket(base, p + 1);
		}
		if (c != '%') {
			addRange(this.sets, base, c, c);
			return p + 1;
		}
		if (p + 1 >= this.pattern.length()) {
			throw new LuaError("malformed pattern (ends with '%')");
		}
		addClass(this.sets, base, this.pattern.luaByte(p + 1));
		return p + 2;
	}

	/**
	 * A set: first finds its closing ']' (a ']' first in the set, or after '%', is a member),
	 * then reads the members before it: %x classes, x-y ranges, single characters.
	 */
	private int bracket(int base, int p) {
		int plength = this.pattern.length();
		boolean complement = p < plength && this.pattern.luaByte(p) == '^';
		int first = complement ? p + 1 : p;
		int close = first;
		do {
			if (close >= plength) {
				throw new LuaError("malformed pattern (missing ']')");
			}
			close += (this.pattern.luaByte(close) == '%') ? 2 : 1;
		}
		while (close >= plength || this.pattern.luaByte(close) != ']');
		this.budget.work(1 + (close - first) / 8);
		for (int i = first; i < close; i++) {
			int c = this.pattern.luaByte(i);
			if (c == '%') {
				addClass(this.sets, base, this.pattern.luaByte(++i));
			}
			else if (i + 2 < close && this.pattern.luaByte(i + 1) == '-') {
				addRange(this.sets, base, c, this.pattern.luaByte(i + 2));
				i += 2;
			}
			else {
				addRange(this.sets, base, c, c);
			}
		}
		for (int i = base; complement && i < base + 4; i++) {
			this.sets[i] = ~this.sets[i];
		}
		return close + 1;
	}

	/** Adds %x: a class letter, its complement in upper case, else the character itself. */
	private static void addClass(long[] sets, int base, int letter) {
		long[] set = (letter < 128) ? CLASSES[Character.toLowerCase(letter)] : null;
		if (set == null) {
			addRange(sets, base, letter, letter);
			return;
		}
		for (int i = 0; i < 4; i++) {
			sets[base + i] |= Character.isUpperCase(letter) ? ~set[i] : set[i];
		}
	}

	/** Adds the characters from..to (none when from > to), a word at a time. */
	private static void addRange(long[] sets, int base, int from, int to) {
		for (int w = from >>> 6; w <= to >>> 6; w++) {
			int lo = Math.max(from, w << 6) & 63;
			int hi = Math.min(to, (w << 6) + 63) & 63;
			sets[base + w] |= (-1L >>> (63 - hi)) & (-1L << lo);
		}
	}

	private static boolean inClass(char letter, int c) {
		boolean upper = c >= 'A' && c <= 'Z';
		boolean lower = c >= 'a' && c <= 'z';
		boolean digit = c >= '0' && c <= '9';
		boolean graph = c > ' ' && c < 127;
		return switch (letter) {
			case 'a' -> upper || lower;
			case 'c' -> c < ' ' || c == 127;
			case 'd' -> digit;
			case 'g' -> graph;
			case 'l' -> lower;
			case 'p' -> graph && !upper && !lower && !digit;
			case 's' -> c == ' ' || (c >= '\t' && c <= '\r');
			case 'u' -> upper;
			case 'w' -> upper || lower || digit;
			case 'x' -> digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			default -> false;
		};
	}

	/** Doubles the item arrays, announcing the bytes first: a long pattern has many items. */
	private void grow() {
		int n = this.kinds.length * 2;
		this.budget.allocate(n * 42L);
		this.kinds = Arrays.copyOf(this.kinds, n);
		this.quantifiers = Arrays.copyOf(this.quantifiers, n);
		this.ends = Arrays.copyOf(this.ends, n);
		this.args = Arrays.copyOf(this.args, n);
		this.sets = Arrays.copyOf(this.sets, n * 4);
	}

}
