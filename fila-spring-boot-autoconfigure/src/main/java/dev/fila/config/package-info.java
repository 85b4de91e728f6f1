/**
 * Runtime configuration values, readable from Lua with {@code fila.get(key)}.
 */
@NullMarked
package dev.fila.config;

import org.jspecify.annotations.NullMarked;
