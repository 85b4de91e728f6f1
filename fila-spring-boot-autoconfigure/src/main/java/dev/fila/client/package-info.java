/**
 * The implementations of {@link dev.fila.core.FilaTemplate} and {@link dev.fila.core.FilaAdmin}
 * over the configured queues and drivers.
 */
@NullMarked
package dev.fila.client;

import org.jspecify.annotations.NullMarked;
