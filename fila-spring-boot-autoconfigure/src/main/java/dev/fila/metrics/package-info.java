/**
 * Micrometer meters for Fila: message counters, delivery latency, queue gauges refreshed off
 * the hot path, Lua executions and throttling. Only used when Micrometer is present.
 */
@NullMarked
package dev.fila.metrics;

import org.jspecify.annotations.NullMarked;
