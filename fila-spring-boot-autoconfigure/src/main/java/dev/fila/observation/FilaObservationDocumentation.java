package dev.fila.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations Fila makes.
 */
public enum FilaObservationDocumentation implements ObservationDocumentation {

	/**
	 * Enqueueing one message or a batch: payload conversion, the {@code on_enqueue} hook and
	 * the driver call. Writes the trace context into the messages' headers.
	 */
	ENQUEUE {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultFilaEnqueueObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeyNames.QUEUE, LowCardinalityKeyNames.DRIVER };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeyNames.MESSAGE_ID, HighCardinalityKeyNames.BATCH_SIZE };
		}

	},

	/**
	 * One handler invocation of a consumer, a child of the enqueue that produced the message
	 * when its headers carry a trace context.
	 */
	LISTENER {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultFilaListenerObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeyNames.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeyNames.MESSAGE_ID, HighCardinalityKeyNames.ATTEMPTS };
		}

	};

	/** Tags of both the metrics and the spans: bounded value sets. */
	public enum LowCardinalityKeyNames implements KeyName {

		/** The queue (temporary reply queues all report as {@code fila-reply-*}). */
		QUEUE {
			@Override
			public String asString() {
				return "queue";
			}
		},

		/** The driver name. */
		DRIVER {
			@Override
			public String asString() {
				return "driver";
			}
		},

		/** The consumer id. */
		CONSUMER {
			@Override
			public String asString() {
				return "consumer";
			}
		}

	}

	/** Span attributes only. */
	public enum HighCardinalityKeyNames implements KeyName {

		/** The message id (of a single-message enqueue, or of the delivered message). */
		MESSAGE_ID {
			@Override
			public String asString() {
				return "fila.message.id";
			}
		},

		/** How many messages an enqueue sent. */
		BATCH_SIZE {
			@Override
			public String asString() {
				return "fila.batch.size";
			}
		},

		/** The delivery number, 1 for the first. */
		ATTEMPTS {
			@Override
			public String asString() {
				return "fila.attempts";
			}
		}

	}

}
