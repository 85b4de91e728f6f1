/**
 * Consumer infrastructure: listener containers with bounded worker pools, handler adapters and the registry.
 */
@NullMarked
package dev.fila.listener;

import org.jspecify.annotations.NullMarked;
