package dev.fila.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A message as a consumer sees it.
 */
public interface FilaMessage {

	/** @return the message id, unique within its queue */
	String id();

	/** @return the queue the message was delivered from */
	String queue();

	/** @return the message headers, read-only */
	Map<String, String> headers();

	/** @return the raw payload */
	byte[] payload();

	/** @return the fairness key assigned on enqueue ({@code "default"} when none was) */
	String fairnessKey();

	/** @return the weight of the fairness key assigned on enqueue */
	double weight();

	/** @return the throttle keys assigned on enqueue */
	List<String> throttleKeys();

	/**
	 * @return the priority level assigned on enqueue, 0 (the default) to 9 (served first): the
	 * producer's {@code fila-priority} header or what the {@code on_enqueue} hook decided
	 */
	default int priority() {
		return 0;
	}

	/** @return the delivery number: 1 on the first delivery, 2 on the first redelivery */
	int attempts();

	/** @return when the message was first enqueued */
	Instant enqueuedAt();

}
