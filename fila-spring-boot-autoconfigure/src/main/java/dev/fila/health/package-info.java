/**
 * The {@code fila} health contributor: one indicator per driver (reachability and the
 * driver's consumers), composed into one contributor.
 */
@NullMarked
package dev.fila.health;

import org.jspecify.annotations.NullMarked;
