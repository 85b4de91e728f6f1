/**
 * Auto-configuration of the {@code fila} actuator endpoint.
 */
@NullMarked
package dev.fila.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
