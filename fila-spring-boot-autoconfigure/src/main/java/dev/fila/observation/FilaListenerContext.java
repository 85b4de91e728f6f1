package dev.fila.observation;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;

/**
 * The context of a {@code fila.listener} observation: tracing reads the producer's trace
 * context from the delivered message's headers.
 */
public class FilaListenerContext extends ReceiverContext<FilaMessage> {

	private final FilaMessage message;

	private final String consumer;

	private final String driver;

	/** The message's key values, built once per observation by the default convention. */
	@Nullable KeyValues messageKeyValues;

	/**
	 * @param message the delivered message
	 * @param consumer the consumer id
	 * @param driver the driver name
	 */
	public FilaListenerContext(FilaMessage message, String consumer, String driver) {
		super((carrier, key) -> (carrier != null) ? carrier.headers().get(key) : null, Kind.CONSUMER);
		this.message = message;
		this.consumer = consumer;
		this.driver = driver;
		setCarrier(message);
		setRemoteServiceName("fila");
	}

	/** @return the delivered message */
	public FilaMessage getMessage() {
		return this.message;
	}

	/** @return the queue as reported in tags */
	public String getReportedQueue() {
		return FilaMetricsRecorder.reportedQueue(this.message.queue());
	}

	/** @return the consumer id */
	public String getConsumer() {
		return this.consumer;
	}

	/** @return the driver name */
	public String getDriver() {
		return this.driver;
	}

}
