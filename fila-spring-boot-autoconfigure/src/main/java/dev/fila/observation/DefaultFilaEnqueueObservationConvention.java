package dev.fila.observation;

import io.micrometer.common.KeyValues;

import dev.fila.observation.FilaObservationDocumentation.HighCardinalityKeyNames;
import dev.fila.observation.FilaObservationDocumentation.LowCardinalityKeyNames;

/**
 * The default {@link FilaEnqueueObservationConvention}: name {@code fila.enqueue}, tags
 * {@code queue} and {@code driver}, span name {@code <queue> send}.
 */
public class DefaultFilaEnqueueObservationConvention implements FilaEnqueueObservationConvention {

	/** A shared instance. */
	public static final DefaultFilaEnqueueObservationConvention INSTANCE = new DefaultFilaEnqueueObservationConvention();

	@Override
	public String getName() {
		return "fila.enqueue";
	}

	@Override
	public String getContextualName(FilaEnqueueContext context) {
		return context.getReportedQueue() + " send";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(FilaEnqueueContext context) {
		return KeyValues.of(LowCardinalityKeyNames.QUEUE.withValue(context.getReportedQueue()),
				LowCardinalityKeyNames.DRIVER.withValue(context.getDriver()));
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

}
