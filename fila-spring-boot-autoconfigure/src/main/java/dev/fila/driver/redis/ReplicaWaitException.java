package dev.fila.driver.redis;

import dev.fila.core.FilaException;

/**
 * Thrown by an enqueue on a Redis driver with {@code options.wait-replicas} when fewer replicas
 * than asked confirmed the write within {@code options.wait-timeout}. The messages <em>were</em>
 * written to the master and will be delivered unless the master fails before a replica has them;
 * sending them again is safe under at-least-once delivery (they may then arrive twice).
 */
public class ReplicaWaitException extends FilaException {

	private final String queue;

	private final long confirmed;

	private final int required;

	public ReplicaWaitException(String queue, long confirmed, int required, long timeoutMillis) {
		super("Enqueue on queue '" + queue + "': " + confirmed + " of " + required
				+ " Redis replica(s) confirmed the write within " + timeoutMillis + " ms (options.wait-replicas); "
				+ "the messages are on the master but a failover now could lose them");
		this.queue = queue;
		this.confirmed = confirmed;
		this.required = required;
	}

	/** @return the queue written to */
	public String getQueue() {
		return this.queue;
	}

	/** @return how many replicas confirmed the write */
	public long getConfirmed() {
		return this.confirmed;
	}

	/** @return how many replicas were asked for */
	public int getRequired() {
		return this.required;
	}

}
