package dev.fila.observation;

import io.micrometer.common.KeyValues;

import dev.fila.observation.FilaObservationDocumentation.HighCardinalityKeyNames;
import dev.fila.observation.FilaObservationDocumentation.LowCardinalityKeyNames;

/**
 * The default {@link FilaListenerObservationConvention}: name {@code fila.listener}, tags
 * {@code queue}, {@code driver} and {@code consumer}, span name {@code <queue> process}.
 */
public class DefaultFilaListenerObservationConvention implements FilaListenerObservationConvention {

	/** A shared instance. */
	public static final DefaultFilaListenerObservationConvention INSTANCE = new DefaultFilaListenerObservationConvention();

	@Override
	public String getName() {
		return "fila.listener";
	}

	@Override
	public String getContextualName(FilaListenerContext context) {
		return context.getReportedQueue() + " process";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(FilaListenerContext context) {
		return KeyValues.of(LowCardinalityKeyNames.QUEUE.withValue(context.getReportedQueue()),
				LowCardinalityKeyNames.DRIVER.withValue(context.getDriver()),
				LowCardinalityKeyNames.CONSUMER.withValue(context.getConsumer()));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(FilaListenerContext context) {
		return KeyValues.of(HighCardinalityKeyNames.MESSAGE_ID.withValue(context.getMessage().id()),
				HighCardinalityKeyNames.ATTEMPTS.withValue(Integer.toString(context.getMessage().attempts())));
	}

}
