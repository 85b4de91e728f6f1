/*
 * Adapted from luaj 3.0.1 org.luaj.vm2.lib.StringLib.MatchState,
 * Copyright (c) 2009-2011 Luaj.org, MIT License: "Permission is hereby granted, free of charge,
 * to any person obtaining a copy of this software and associated documentation files (the
 * "Software"), to deal in the Software without restriction, including without limitation the
 * rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
 * the Software, and to permit persons to whom the Software is furnished to do so, subject to
 * the following conditions: The above copyright notice and this permission notice shall be
 * included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED
 * "AS IS", WITHOUT WARRANTY OF ANY KIND."
 */
package dev.fila.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua pattern matching of one subject against one pattern: luaj's matcher, charging every
 * step to the call's {@link CallBudget} (a backtracking pattern stops at the time limit
 * instead of running for hours) and bounding its recursion like C Lua ("pattern too complex").
 */
final class LuaPattern {

	/** C Lua's MAXCCALLS: how deep one match may recurse. */
	static final int MAX_MATCH_DEPTH = 200;

	private static final int STEPS_PER_UNIT = 8;

	private static final int L_ESC = '%';

	private static final int MAX_CAPTURES = 32;

	private static final int CAP_UNFINISHED = -1;

	private static final int CAP_POSITION = -2;

	private static final byte MASK_ALPHA = 0x01;

	private static final byte MASK_LOWERCASE = 0x02;

	private static final byte MASK_UPPERCASE = 0x04;

	private static final byte MASK_DIGIT = 0x08;

	private static final byte MASK_PUNCT = 0x10;

	private static final byte MASK_SPACE = 0x20;

	private static final byte MASK_CONTROL = 0x40;

	private static final byte MASK_HEXDIGIT = (byte) 0x80;

	private static final byte[] CHAR_TABLE = charTable();

	private final LuaString s;

	private final LuaString p;

	private final CallBudget budget;

	private int level;

	private final int[] cinit = new int[MAX_CAPTURES];

	private final int[] clen = new int[MAX_CAPTURES];

	private int depth;

	private int steps;

	LuaPattern(LuaString subject, LuaString pattern, CallBudget budget) {
		this.s = subject;
		this.p = pattern;
		this.budget = budget;
	}

	/** Forgets the captures of the previous attempt. */
	void reset() {
		this.level = 0;
		this.depth = 0;
	}

	/**
	 * @param soffset where in the subject to start
	 * @param poffset where in the pattern to start
	 * @return where the match ends in the subject, or -1
	 */
	int match(int soffset, int poffset) {
		if (++this.depth > MAX_MATCH_DEPTH) {
			throw new LuaError("pattern too complex");
		}
		try {
			return doMatch(soffset, poffset);
		}
		finally {
			this.depth--;
		}
	}

	/** @return the captures (or the whole match) as Lua values */
	Varargs captures(boolean wholeMatch, int soff, int end) {
		int nlevels = (this.level == 0 && wholeMatch) ? 1 : this.level;
		switch (nlevels) {
			case 0:
				return LuaValue.NONE;
			case 1:
				return capture(0, soff, end);
			default:
				LuaValue[] v = new LuaValue[nlevels];
				for (int i = 0; i < nlevels; ++i) {
					v[i] = capture(i, soff, end);
				}
				return LuaValue.varargsOf(v);
		}
	}

	/** Appends the replacement of one match, as {@code string.gsub} does. */
	void addValue(LuaStringBuilder out, int soffset, int end, LuaValue replacement) {
		LuaValue repl = replacement;
		switch (repl.type()) {
			case LuaValue.TSTRING:
			case LuaValue.TNUMBER:
				addString(out, repl.strvalue(), soffset, end);
				return;
			case LuaValue.TFUNCTION:
				repl = repl.invoke(captures(true, soffset, end)).arg1();
				break;
			case LuaValue.TTABLE:
				repl = repl.get(capture(0, soffset, end));
				break;
			default:
				throw new LuaError("bad argument: string/function/table expected");
		}
		if (!repl.toboolean()) {
			repl = this.s.substring(soffset, end);
		}
		else if (!repl.isstring()) {
			throw new LuaError("invalid replacement value (a " + repl.typename() + ")");
		}
		out.append(repl.strvalue());
	}

	private void addString(LuaStringBuilder out, LuaString news, int soff, int e) {
		int l = news.length();
		for (int i = 0; i < l; ++i) {
			byte b = (byte) news.luaByte(i);
			if (b != L_ESC) {
				out.append(b);
			}
			else {
				if (++i == l) {
					throw new LuaError("invalid use of '%' in replacement string");
				}
				b = (byte) news.luaByte(i);
				if (!Character.isDigit((char) b)) {
					out.append(b);
				}
				else if (b == '0') {
					out.append(this.s.substring(soff, e));
				}
				else {
					out.append(capture(b - '1', soff, e).strvalue());
				}
			}
		}
	}

	private LuaValue capture(int i, int soff, int end) {
		if (i >= this.level) {
			if (i == 0) {
				return this.s.substring(soff, end);
			}
			throw new LuaError("invalid capture index");
		}
		int l = this.clen[i];
		if (l == CAP_UNFINISHED) {
			throw new LuaError("unfinished capture");
		}
		if (l == CAP_POSITION) {
			return LuaValue.valueOf(this.cinit[i] + 1);
		}
		int begin = this.cinit[i];
		return this.s.substring(begin, begin + l);
	}

	private void step() {
		if (++this.steps == STEPS_PER_UNIT) {
			this.steps = 0;
			this.budget.work(1);
		}
	}

	private int checkCapture(int l) {
		l -= '1';
		if (l < 0 || l >= this.level || this.clen[l] == CAP_UNFINISHED) {
			throw new LuaError("invalid capture index");
		}
		return l;
	}

	private int captureToClose() {
		int level = this.level;
		for (level--; level >= 0; level--) {
			if (this.clen[level] == CAP_UNFINISHED) {
				return level;
			}
		}
		throw new LuaError("invalid pattern capture");
	}

	private int classEnd(int poffset) {
		switch (this.p.luaByte(poffset++)) {
			case L_ESC:
				if (poffset == this.p.length()) {
					throw new LuaError("malformed pattern (ends with %)");
				}
				return poffset + 1;
			case '[':
				if (poffset < this.p.length() && this.p.luaByte(poffset) == '^') {
					poffset++;
				}
				do {
					if (poffset == this.p.length()) {
						throw new LuaError("malformed pattern (missing ])");
					}
					if (this.p.luaByte(poffset++) == L_ESC && poffset != this.p.length()) {
						poffset++;
					}
					step();
				}
				while (poffset == this.p.length() || this.p.luaByte(poffset) != ']');
				return poffset + 1;
			default:
				return poffset;
		}
	}

	private static boolean matchClass(int c, int cl) {
		final char lcl = Character.toLowerCase((char) cl);
		int cdata = CHAR_TABLE[c];
		boolean res;
		switch (lcl) {
			case 'a' -> res = (cdata & MASK_ALPHA) != 0;
			case 'd' -> res = (cdata & MASK_DIGIT) != 0;
			case 'l' -> res = (cdata & MASK_LOWERCASE) != 0;
			case 'u' -> res = (cdata & MASK_UPPERCASE) != 0;
			case 'c' -> res = (cdata & MASK_CONTROL) != 0;
			case 'p' -> res = (cdata & MASK_PUNCT) != 0;
			case 's' -> res = (cdata & MASK_SPACE) != 0;
			case 'w' -> res = (cdata & (MASK_ALPHA | MASK_DIGIT)) != 0;
			case 'x' -> res = (cdata & MASK_HEXDIGIT) != 0;
			case 'z' -> res = (c == 0);
			default -> {
				return cl == c;
			}
		}
		return (lcl == cl) == res;
	}

	private boolean matchBracketClass(int c, int poff, int ec) {
		boolean sig = true;
		if (this.p.luaByte(poff + 1) == '^') {
			sig = false;
			poff++;
		}
		while (++poff < ec) {
			step();
			if (this.p.luaByte(poff) == L_ESC) {
				poff++;
				if (matchClass(c, this.p.luaByte(poff))) {
					return sig;
				}
			}
			else if (this.p.luaByte(poff + 1) == '-' && poff + 2 < ec) {
				poff += 2;
				if (this.p.luaByte(poff - 2) <= c && c <= this.p.luaByte(poff)) {
					return sig;
				}
			}
			else if (this.p.luaByte(poff) == c) {
				return sig;
			}
		}
		return !sig;
	}

	private boolean singleMatch(int c, int poff, int ep) {
		switch (this.p.luaByte(poff)) {
			case '.':
				return true;
			case L_ESC:
				return matchClass(c, this.p.luaByte(poff + 1));
			case '[':
				return matchBracketClass(c, poff, ep - 1);
			default:
				return this.p.luaByte(poff) == c;
		}
	}

	private int doMatch(int soffset, int poffset) {
		while (true) {
			step();
			if (poffset == this.p.length()) {
				return soffset;
			}
			switch (this.p.luaByte(poffset)) {
				case '(':
					if (++poffset < this.p.length() && this.p.luaByte(poffset) == ')') {
						return startCapture(soffset, poffset + 1, CAP_POSITION);
					}
					return startCapture(soffset, poffset, CAP_UNFINISHED);
				case ')':
					return endCapture(soffset, poffset + 1);
				case L_ESC:
					if (poffset + 1 == this.p.length()) {
						throw new LuaError("malformed pattern (ends with '%')");
					}
					switch (this.p.luaByte(poffset + 1)) {
						case 'b':
							soffset = matchBalance(soffset, poffset + 2);
							if (soffset == -1) {
								return -1;
							}
							poffset += 4;
							continue;
						case 'f': {
							poffset += 2;
							if (poffset >= this.p.length() || this.p.luaByte(poffset) != '[') {
								throw new LuaError("missing '[' after '%f' in pattern");
							}
							int ep = classEnd(poffset);
							int previous = (soffset == 0) ? 0 : this.s.luaByte(soffset - 1);
							int current = (soffset < this.s.length()) ? this.s.luaByte(soffset) : 0;
							if (matchBracketClass(previous, poffset, ep - 1)
									|| !matchBracketClass(current, poffset, ep - 1)) {
								return -1;
							}
							poffset = ep;
							continue;
						}
						default: {
							int c = this.p.luaByte(poffset + 1);
							if (Character.isDigit((char) c)) {
								soffset = matchCapture(soffset, c);
								if (soffset == -1) {
									return -1;
								}
								return match(soffset, poffset + 2);
							}
						}
					}
					break;
				case '$':
					if (poffset + 1 == this.p.length()) {
						return (soffset == this.s.length()) ? soffset : -1;
					}
					break;
				default:
					break;
			}
			int ep = classEnd(poffset);
			boolean m = soffset < this.s.length() && singleMatch(this.s.luaByte(soffset), poffset, ep);
			int pc = (ep < this.p.length()) ? this.p.luaByte(ep) : '\0';
			switch (pc) {
				case '?':
					int res;
					if (m && ((res = match(soffset + 1, ep + 1)) != -1)) {
						return res;
					}
					poffset = ep + 1;
					continue;
				case '*':
					return maxExpand(soffset, poffset, ep);
				case '+':
					return (m ? maxExpand(soffset + 1, poffset, ep) : -1);
				case '-':
					return minExpand(soffset, poffset, ep);
				default:
					if (!m) {
						return -1;
					}
					soffset++;
					poffset = ep;
					continue;
			}
		}
	}

	private int maxExpand(int soff, int poff, int ep) {
		int i = 0;
		while (soff + i < this.s.length() && singleMatch(this.s.luaByte(soff + i), poff, ep)) {
			step();
			i++;
		}
		while (i >= 0) {
			int res = match(soff + i, ep + 1);
			if (res != -1) {
				return res;
			}
			i--;
		}
		return -1;
	}

	private int minExpand(int soff, int poff, int ep) {
		for (;;) {
			int res = match(soff, ep + 1);
			if (res != -1) {
				return res;
			}
			else if (soff < this.s.length() && singleMatch(this.s.luaByte(soff), poff, ep)) {
				soff++;
			}
			else {
				return -1;
			}
		}
	}

	private int startCapture(int soff, int poff, int what) {
		int res;
		int level = this.level;
		if (level >= MAX_CAPTURES) {
			throw new LuaError("too many captures");
		}
		this.cinit[level] = soff;
		this.clen[level] = what;
		this.level = level + 1;
		if ((res = match(soff, poff)) == -1) {
			this.level--;
		}
		return res;
	}

	private int endCapture(int soff, int poff) {
		int l = captureToClose();
		int res;
		this.clen[l] = soff - this.cinit[l];
		if ((res = match(soff, poff)) == -1) {
			this.clen[l] = CAP_UNFINISHED;
		}
		return res;
	}

	private int matchCapture(int soff, int l) {
		l = checkCapture(l);
		int len = this.clen[l];
		this.budget.work(len / CallBudget.BYTES_PER_UNIT);
		if ((this.s.length() - soff) >= len && LuaString.equals(this.s, this.cinit[l], this.s, soff, len)) {
			return soff + len;
		}
		return -1;
	}

	private int matchBalance(int soff, int poff) {
		final int plen = this.p.length();
		if (poff == plen || poff + 1 == plen) {
			throw new LuaError("malformed pattern (missing arguments to '%b')");
		}
		final int slen = this.s.length();
		if (soff >= slen) {
			return -1;
		}
		final int b = this.p.luaByte(poff);
		if (this.s.luaByte(soff) != b) {
			return -1;
		}
		final int e = this.p.luaByte(poff + 1);
		int cont = 1;
		while (++soff < slen) {
			step();
			if (this.s.luaByte(soff) == e) {
				if (--cont == 0) {
					return soff + 1;
				}
			}
			else if (this.s.luaByte(soff) == b) {
				cont++;
			}
		}
		return -1;
	}

	private static byte[] charTable() {
		byte[] table = new byte[256];
		for (int i = 0; i < 256; ++i) {
			final char c = (char) i;
			table[i] = (byte) ((Character.isDigit(c) ? MASK_DIGIT : 0) | (Character.isLowerCase(c) ? MASK_LOWERCASE : 0)
					| (Character.isUpperCase(c) ? MASK_UPPERCASE : 0) | ((c < ' ' || c == 0x7F) ? MASK_CONTROL : 0));
			if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9')) {
				table[i] |= MASK_HEXDIGIT;
			}
			if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@')) {
				table[i] |= MASK_PUNCT;
			}
			if ((table[i] & (MASK_LOWERCASE | MASK_UPPERCASE)) != 0) {
				table[i] |= MASK_ALPHA;
			}
		}
		table[' '] = MASK_SPACE;
		table['\r'] |= MASK_SPACE;
		table['\n'] |= MASK_SPACE;
		table['\t'] |= MASK_SPACE;
		table[0x0B] |= MASK_SPACE;
		table['\f'] |= MASK_SPACE;
		return table;
	}

}
