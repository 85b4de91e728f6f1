package dev.fila.core;

/**
 * One fairness key of a queue.
 *
 * @param key the fairness key
 * @param pending messages of this key ready for delivery
 * @param inFlight messages of this key leased to consumers
 * @param delayed messages of this key waiting for a retry delay
 * @param weight the key's current weight
 */
public record KeyStats(String key, long pending, long inFlight, long delayed, double weight) {
}
