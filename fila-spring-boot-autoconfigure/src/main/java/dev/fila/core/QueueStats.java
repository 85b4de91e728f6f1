package dev.fila.core;

import java.util.List;

/**
 * A snapshot of one queue.
 *
 * @param queue the queue name
 * @param driver the name of the driver that holds it
 * @param pending messages ready for delivery (including throttled ones)
 * @param inFlight messages leased to consumers
 * @param delayed messages waiting for a retry delay or a delayed enqueue
 * @param keys the per fairness key breakdown, largest backlog first
 * @param paused whether the queue is paused (see {@link FilaAdmin#pause})
 */
public record QueueStats(String queue, String driver, long pending, long inFlight, long delayed, List<KeyStats> keys,
		boolean paused) {

	public QueueStats {
		keys = List.copyOf(keys);
	}

	/**
	 * A queue that is not paused.
	 * @param queue the queue name
	 * @param driver the name of the driver that holds it
	 * @param pending messages ready for delivery
	 * @param inFlight messages leased to consumers
	 * @param delayed messages waiting for a delay
	 * @param keys the per fairness key breakdown
	 */
	public QueueStats(String queue, String driver, long pending, long inFlight, long delayed, List<KeyStats> keys) {
		this(queue, driver, pending, inFlight, delayed, keys, false);
	}

	/** @return pending + in-flight + delayed */
	public long total() {
		return this.pending + this.inFlight + this.delayed;
	}

}
