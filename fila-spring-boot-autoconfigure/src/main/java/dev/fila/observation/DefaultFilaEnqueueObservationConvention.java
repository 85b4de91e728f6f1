package dev.fila.observation;

import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;

import dev.fila.observation.FilaObservationDocumentation.HighCardinalityKeyNames;
import dev.fila.observation.FilaObservationDocumentation.LowCardinalityKeyNames;

/**
 * The default {@link FilaEnqueueObservationConvention}: name {@code fila.enqueue}, tags
 * {@code queue} and {@code driver}, span name {@code <queue> send}.
 * <p>
 * The tags and the span name of the last queue are kept, so a producer that keeps sending
 * to one queue does not build them for every call.
 */
public class DefaultFilaEnqueueObservationConvention implements FilaEnqueueObservationConvention {

	/** A shared instance. */
	public static final DefaultFilaEnqueueObservationConvention INSTANCE = new DefaultFilaEnqueueObservationConvention();

	private volatile @Nullable QueueTags last;

	@Override
	public String getName() {
		return "fila.enqueue";
	}

	@Override
	public String getContextualName(FilaEnqueueContext context) {
		return queueTags(context).contextualName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(FilaEnqueueContext context) {
		return queueTags(context).keyValues();
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(FilaEnqueueContext context) {
		KeyValues values = KeyValues
			.of(HighCardinalityKeyNames.BATCH_SIZE.withValue(Integer.toString(context.getBatchSize())));
		if (context.getMessageIds().size() == 1) {
			values = values.and(HighCardinalityKeyNames.MESSAGE_ID.withValue(context.getMessageIds().get(0)));
		}
		return values;
	}

	private QueueTags queueTags(FilaEnqueueContext context) {
		String queue = context.getReportedQueue();
		QueueTags tags = this.last;
		if (tags == null || !tags.queue().equals(queue) || !tags.driver().equals(context.getDriver())) {
			tags = new QueueTags(queue, context.getDriver(),
					KeyValues.of(LowCardinalityKeyNames.QUEUE.withValue(queue),
							LowCardinalityKeyNames.DRIVER.withValue(context.getDriver())),
					queue + " send");
			this.last = tags;
		}
		return tags;
	}

	/** The tags and span name of one queue's observations. */
	private record QueueTags(String queue, String driver, KeyValues keyValues, String contextualName) {
	}

}
