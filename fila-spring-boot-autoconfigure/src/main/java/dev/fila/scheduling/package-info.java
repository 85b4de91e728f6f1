/**
 * Pure scheduling algorithms (deficit round robin, token buckets, retry back-off) shared by all drivers.
 */
@NullMarked
package dev.fila.scheduling;

import org.jspecify.annotations.NullMarked;
