/**
 * Sandboxed Lua (luaj): {@code on_enqueue} and {@code on_failure} hooks, runtime configuration
 * through {@code fila.get}, and Lua handler consumers with their {@code json}, {@code logger}
 * and {@code queue} modules.
 */
@NullMarked
package dev.fila.lua;

import org.jspecify.annotations.NullMarked;
