/**
 * Seams that decide scheduling on enqueue and the outcome of a failure; Lua hooks plug in here.
 */
@NullMarked
package dev.fila.policy;

import org.jspecify.annotations.NullMarked;
