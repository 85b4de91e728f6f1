/**
 * The {@code fila} health indicator: driver reachability and consumer state.
 */
@NullMarked
package dev.fila.health;

import org.jspecify.annotations.NullMarked;
