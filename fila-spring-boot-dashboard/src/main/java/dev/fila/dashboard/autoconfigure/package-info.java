/**
 * Auto-configuration of the Fila dashboard ({@code fila.dashboard.*}).
 */
@NullMarked
package dev.fila.dashboard.autoconfigure;

import org.jspecify.annotations.NullMarked;
