/**
 * Auto-configuration of Fila's Micrometer meters.
 */
@NullMarked
package dev.fila.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
