package dev.fila.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags {@code fila.listener} observations; declare a bean to replace the default.
 */
public interface FilaListenerObservationConvention extends ObservationConvention<FilaListenerContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof FilaListenerContext;
	}

}
