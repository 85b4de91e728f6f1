package dev.fila.lua;

import java.time.Duration;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.ZeroArgFunction;

import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The sandbox's call: the bounded libraries still behave as Lua's, and whatever fails inside
 * a call leaves it as a {@link LuaError} or a {@link LuaLimitExceeded}.
 */
class LuaSandboxTests {

	private static final long TIMEOUT = Duration.ofSeconds(1).toNanos();

	private final LuaSandbox sandbox = LuaSandbox.create(LuaLimits.HOOK);

	private String run(String chunk) {
		LuaScript script = LuaScript.compile(chunk, "test", new DefaultResourceLoader());
		return this.sandbox.runChunk(script.prototype(), TIMEOUT).arg1().tojstring();
	}

	@Test
	void patternFunctionsBehaveAsLua() {
		assertThat(run("return select('#', string.find('hello world', 'o w'))")).isEqualTo("2");
		assertThat(run("return table.concat({ string.find('key=value', '(%w+)=(%w+)') }, ',')"))
			.isEqualTo("1,9,key,value");
		assertThat(run("return string.find('a.b', '.', 1, true)")).isEqualTo("2");
		assertThat(run("return string.find('abc', 'c', -1)")).isEqualTo("3");
		assertThat(run("return string.match('  trim  ', '^%s*(.-)%s*$')")).isEqualTo("trim");
		assertThat(run("return string.match('f(a(b)c)d', '%b()')")).isEqualTo("(a(b)c)");
		assertThat(run("return string.match('THE (quick) fox', '%f[%a]%a+', 5)")).isEqualTo("quick");
		assertThat(run("return string.match('hello', '()ll()')")).isEqualTo("3");
		assertThat(run("local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t + 1] = k .. v end"
				+ " return table.concat(t, ';')")).isEqualTo("a1;b2");
		assertThat(run("local n = 0 for _ in ('abc'):gmatch('') do n = n + 1 end return n")).isEqualTo("4");
		assertThat(run("return (string.gsub('hello world', '(%w+)', '<%1>'))")).isEqualTo("<hello> <world>");
		assertThat(run("return select(2, string.gsub('abc', '', '-'))")).isEqualTo("4");
		assertThat(run("return (string.gsub('abc', '%w', { a = 'A', b = false }))")).isEqualTo("Abc");
		assertThat(run("return (string.gsub('abc', '%w', function(c) return c:upper() end, 2))")).isEqualTo("ABc");
		assertThat(run("return (string.gsub('x', 'x', '%%'))")).isEqualTo("%");
	}

	@Test
	void otherBoundedFunctionsBehaveAsLua() {
		assertThat(run("return string.rep('ab', 3, ',')")).isEqualTo("ab,ab,ab");
		assertThat(run("return string.rep('ab', 0) .. string.rep('ab', -1) .. '|'")).isEqualTo("|");
		assertThat(run("return string.format('%5.1f|%-3d|%s|%q', 1.25, 7, 'x', 'a\"b')"))
			.isEqualTo(String.format("%s|7  |x|\"a\\\"b\"", "1.25"));
		assertThat(run("return table.concat({ string.byte('abc', 1, -1) }, ',')")).isEqualTo("97,98,99");
		assertThat(run("return string.char(104, 105) .. ('Ab'):upper() .. ('Ab'):lower() .. ('ab'):reverse()"))
			.isEqualTo("hiABabba");
		assertThat(run("return table.concat({ 1, 'b', 3 }, '-', 2, 3) .. table.concat({})")).isEqualTo("b-3");
		assertThat(run("local t = { 3, 1, 2 } table.sort(t) table.insert(t, 1, 0) table.insert(t, 9)"
				+ " table.remove(t, 2) return table.concat(t, ',')")).isEqualTo("0,2,3,9");
		assertThat(run("local t = { 'b', 'a' } table.sort(t, function(x, y) return x > y end) return t[1]"))
			.isEqualTo("b");
		assertThat(run("return select('#', table.unpack({ 1, 2, 3 })) .. table.pack(1, 2).n")).isEqualTo("32");
		assertThat(run("return tonumber('0x10') + tonumber('10', 2)")).isEqualTo("18");
		assertThat(run("return type(string.dump) .. type(coroutine) .. type(unpack)")).isEqualTo("nilnilnil");
	}

	@Test
	void stringsLongerThanTheLimitAreAnErrorAScriptCanCatch() {
		assertThat(run("local s = string.rep('x', 2^20) return select(2, pcall(function() return s .. 'y' end))"))
			.contains("string too large");
		assertThat(run("return select(2, pcall(string.rep, 'x', 2^20 + 1))")).contains("string too large");
		assertThat(run("local s = string.rep('x', 2^20) return #(s .. '')")).isEqualTo("1048576");
	}

	@Test
	void memoryLimitCannotBeCaught() {
		assertThatExceptionOfType(LuaLimitExceeded.class)
			.isThrownBy(() -> run("local t = {} for i = 1, 1e6 do pcall(function() t[i] = string.rep('x', 2^20 - i) end) end"))
			.withMessageContaining("memory limit")
			.satisfies((ex) -> assertThat(ex.isTimeout()).isFalse());
		assertThat(run("return 'usable again'")).isEqualTo("usable again");
	}

	@Test
	void patternStepsCountTowardsTheTimeLimit() {
		long start = System.nanoTime();
		assertThatExceptionOfType(LuaLimitExceeded.class)
			.isThrownBy(() -> run("return string.rep('a', 40):match(string.rep('a?', 40) .. string.rep('a', 40))"))
			.satisfies((ex) -> assertThat(ex.isTimeout()).isTrue());
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThatExceptionOfType(LuaError.class)
			.isThrownBy(() -> run("return string.rep('a', 1000):match(string.rep('a?', 1000))"))
			.withMessageContaining("pattern too complex");
	}

	@Test
	void javaFailuresLeaveTheCallAsLuaErrorsOrLimits() {
		assertThatExceptionOfType(LuaError.class).isThrownBy(() -> call(() -> {
			throw new IllegalStateException("bug in Java code");
		})).withMessageContaining("bug in Java code");
		assertThatExceptionOfType(LuaLimitExceeded.class).isThrownBy(() -> call(() -> {
			throw new StackOverflowError();
		})).withMessageContaining("Java stack");
		assertThatExceptionOfType(LuaLimitExceeded.class).isThrownBy(() -> call(() -> {
			throw new OutOfMemoryError();
		})).withMessageContaining("out of memory");
	}

	@Test
	void resultsAreReadUnderTheLimits() {
		LuaScript script = LuaScript.compile("return setmetatable({}, { __index = function() while true do end end })",
				"test", new DefaultResourceLoader());
		Function<Varargs, LuaValue> readThroughMetamethod = (results) -> results.arg1().get("x");
		assertThatExceptionOfType(LuaLimitExceeded.class).isThrownBy(() -> this.sandbox.call(
				new org.luaj.vm2.LuaClosure(script.prototype(), this.sandbox.globals()), LuaValue.NONE,
				Duration.ofMillis(50).toNanos(), readThroughMetamethod));
	}

	@Test
	void nestedCallsKeepTheirOwnBudgets() {
		LuaSandbox inner = LuaSandbox.create(LuaLimits.HOOK);
		this.sandbox.globals().rawset("inner", new ZeroArgFunction() {
			@Override
			public LuaValue call() {
				LuaScript script = LuaScript.compile("return #string.rep('x', 1000)", "inner", new DefaultResourceLoader());
				return inner.runChunk(script.prototype(), TIMEOUT).arg1();
			}
		});
		assertThat(run("local n = inner() return n + #string.rep('y', 2^20 - 1)")).isEqualTo("1049575");
		assertThatExceptionOfType(LuaError.class)
			.isThrownBy(() -> run("inner() return string.rep('y', 2^20 + 1)"))
			.withMessageContaining("string too large");
	}

	private void call(Runnable java) {
		this.sandbox.call(new ZeroArgFunction() {
			@Override
			public LuaValue call() {
				java.run();
				return NIL;
			}
		}, LuaValue.NONE, TIMEOUT, Function.identity());
	}

}
