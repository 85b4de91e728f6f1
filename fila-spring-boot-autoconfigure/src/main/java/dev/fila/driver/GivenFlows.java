package dev.fila.driver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.fila.scheduling.QueueFlow;

/**
 * The last flow control state a driver was given per queue (see {@link FilaDriver#applyFlow}),
 * kept for queues and sessions created later. Thread-safe.
 */
public final class GivenFlows {

	private final Map<String, QueueFlow> flows = new ConcurrentHashMap<>();

	/**
	 * @param queue the queue name
	 * @param flow its state; {@link QueueFlow#NONE} forgets the queue
	 */
	public void put(String queue, QueueFlow flow) {
		if (flow.equals(QueueFlow.NONE)) {
			this.flows.remove(queue);
		}
		else {
			this.flows.put(queue, flow);
		}
	}

	/**
	 * @param queue the queue name
	 * @return the state last given for it, {@link QueueFlow#NONE} when none
	 */
	public QueueFlow get(String queue) {
		return this.flows.getOrDefault(queue, QueueFlow.NONE);
	}

}
