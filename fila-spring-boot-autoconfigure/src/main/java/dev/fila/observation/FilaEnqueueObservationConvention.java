package dev.fila.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags {@code fila.enqueue} observations; declare a bean to replace the default.
 */
public interface FilaEnqueueObservationConvention extends ObservationConvention<FilaEnqueueContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof FilaEnqueueContext;
	}

}
