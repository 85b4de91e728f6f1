package dev.fila.lua;

/**
 * Thrown when a script runs too long, recurses too deep or allocates too much. A Java
 * {@link Error}, because Lua's {@code pcall} catches Lua errors and exceptions but not errors:
 * a script cannot swallow its own limit.
 */
final class LuaLimitExceeded extends Error {

	private static final long serialVersionUID = 1L;

	private final boolean timeout;

	/**
	 * @param message what was exceeded
	 * @param timeout whether the limit was the time limit
	 */
	LuaLimitExceeded(String message, boolean timeout) {
		super(message, null, false, false);
		this.timeout = timeout;
	}

	/** @return whether the call ran out of time (rather than depth or memory) */
	boolean isTimeout() {
		return this.timeout;
	}

}
