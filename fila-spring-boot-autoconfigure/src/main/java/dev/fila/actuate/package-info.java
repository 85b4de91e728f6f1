/**
 * The {@code fila} actuator endpoint: queue statistics, per fairness key breakdown with
 * recent delivery shares, consumers, dead-letter redrive, purge, runtime configuration and
 * throttles.
 */
@NullMarked
package dev.fila.actuate;

import org.jspecify.annotations.NullMarked;
