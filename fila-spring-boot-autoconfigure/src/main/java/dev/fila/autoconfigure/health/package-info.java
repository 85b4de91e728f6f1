/**
 * Auto-configuration of the {@code fila} health indicator.
 */
@NullMarked
package dev.fila.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
