package dev.fila.lua;

/**
 * What one Lua call may allocate, beside its time limit.
 *
 * @param maxStringBytes the longest string a script may build (by {@code ..}, {@code string},
 * {@code table.concat} or {@code json.encode}); longer results raise a Lua error
 * @param maxAllocatedBytes the bytes the calling thread may allocate during one call, garbage
 * included; more stops the call
 */
record LuaLimits(int maxStringBytes, long maxAllocatedBytes) {

	/** {@code on_enqueue} and {@code on_failure}: 1 MiB strings, 16 MiB per call. */
	static final LuaLimits HOOK = new LuaLimits(1 << 20, 16L << 20);

	/** Handler scripts, which may decode and build whole payloads: 16 MiB strings, 256 MiB per call. */
	static final LuaLimits HANDLER = new LuaLimits(16 << 20, 256L << 20);

}
