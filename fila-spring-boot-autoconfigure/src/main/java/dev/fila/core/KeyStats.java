package dev.fila.core;

/**
 * One fairness key of a queue.
 *
 * @param key the fairness key
 * @param pending messages of this key ready for delivery
 * @param inFlight messages of this key leased to consumers
 * @param delayed messages of this key waiting for a retry delay
 * @param weight the key's current weight: an operator's override (see
 * {@link FilaAdmin#setKeyWeight}) or what hooks gave its latest message
 * @param paused whether the key is paused (see {@link FilaAdmin#pauseKey})
 * @param maxInFlight the most of its messages leased at once (see
 * {@link FilaAdmin#setKeyMaxInFlight}), 0 for no limit
 */
public record KeyStats(String key, long pending, long inFlight, long delayed, double weight, boolean paused,
		int maxInFlight) {

	/**
	 * A key that is not paused.
	 * @param key the fairness key
	 * @param pending messages of this key ready for delivery
	 * @param inFlight messages of this key leased to consumers
	 * @param delayed messages of this key waiting for a delay
	 * @param weight the key's current weight
	 */
	public KeyStats(String key, long pending, long inFlight, long delayed, double weight) {
		this(key, pending, inFlight, delayed, weight, false, 0);
	}

}
