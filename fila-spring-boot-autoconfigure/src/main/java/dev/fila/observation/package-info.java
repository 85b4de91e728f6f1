/**
 * Micrometer observations of enqueues ({@code fila.enqueue}) and handler invocations
 * ({@code fila.listener}), which carry the trace context from producer to consumer in
 * message headers.
 */
@NullMarked
package dev.fila.observation;

import org.jspecify.annotations.NullMarked;
