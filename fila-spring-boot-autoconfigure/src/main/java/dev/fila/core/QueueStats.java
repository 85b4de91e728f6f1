package dev.fila.core;

import java.util.List;

/**
 * A snapshot of one queue.
 *
 * @param queue the queue name
 * @param driver the name of the driver that holds it
 * @param pending messages ready for delivery (including throttled ones)
 * @param inFlight messages leased to consumers
 * @param delayed messages waiting for a retry delay
 * @param keys the per fairness key breakdown, largest backlog first
 */
public record QueueStats(String queue, String driver, long pending, long inFlight, long delayed, List<KeyStats> keys) {

	public QueueStats {
		keys = List.copyOf(keys);
	}

	/** @return pending + in-flight + delayed */
	public long total() {
		return this.pending + this.inFlight + this.delayed;
	}

}
