package dev.fila.observation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;

import dev.fila.core.FilaMetricsRecorder;

/**
 * The context of a {@code fila.enqueue} observation. Its carrier is a header map that
 * tracing fills with the trace context when the observation starts; the template then adds
 * those headers to every message it sends.
 */
public class FilaEnqueueContext extends SenderContext<Map<String, String>> {

	private final String queue;

	private final String driver;

	private final int batchSize;

	private List<String> messageIds = List.of();

	/**
	 * @param queue the queue
	 * @param driver the driver name
	 * @param batchSize how many messages are sent
	 */
	public FilaEnqueueContext(String queue, String driver, int batchSize) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		}, Kind.PRODUCER);
		this.queue = queue;
		this.driver = driver;
		this.batchSize = batchSize;
		setCarrier(new HashMap<>());
		setRemoteServiceName("fila");
	}

	/** @return the queue */
	public String getQueue() {
		return this.queue;
	}

	/** @return the queue as reported in tags: temporary reply queues share one name */
	public String getReportedQueue() {
		return FilaMetricsRecorder.reportedQueue(this.queue);
	}

	/** @return the driver name */
	public String getDriver() {
		return this.driver;
	}

	/** @return how many messages are sent */
	public int getBatchSize() {
		return this.batchSize;
	}

	/** @return the ids of the sent messages, empty until they are sent */
	public List<String> getMessageIds() {
		return this.messageIds;
	}

	/** @param messageIds the ids of the sent messages */
	public void setMessageIds(List<String> messageIds) {
		this.messageIds = List.copyOf(messageIds);
	}

	/** @return the headers tracing wrote, to add to every message */
	public Map<String, String> getPropagatedHeaders() {
		Map<String, String> carrier = getCarrier();
		return (carrier != null) ? carrier : Map.of();
	}

}
