package dev.fila.core;

import java.util.List;

/**
 * Told what happens to messages, for metrics and statistics: enqueues, deliveries to a
 * handler, acks, nacks and redrives. {@link FilaTemplate}, {@link FilaAdmin} and the listener
 * containers call it; the Micrometer meters and the {@code fila} actuator endpoint's
 * per-key delivery counts are implementations. Every method has a no-op default.
 * <p>
 * Calls happen on hot paths (producer and worker threads): implementations must be cheap
 * and must not block. Per-message callers bind once ({@link #bindConsumer},
 * {@link #bindQueue}) and call the bound recorder, so that an implementation can resolve its
 * meters when a consumer starts or a queue is first used rather than on every message.
 */
public interface FilaMetricsRecorder {

	/** The consumer of deliveries pulled with {@link FilaTemplate#receive}. */
	String PULL_CONSUMER = "none";

	/** What every temporary request-reply queue is reported as, to keep tags bounded. */
	String REPLY_QUEUES = FilaTemplate.REPLY_QUEUE_PREFIX + "*";

	/** Records nothing. */
	FilaMetricsRecorder NONE = new FilaMetricsRecorder() {

		@Override
		public ConsumerRecorder bindConsumer(String consumer, String queue, String driver) {
			return ConsumerRecorder.NONE;
		}

		@Override
		public QueueRecorder bindQueue(String queue, String driver) {
			return QueueRecorder.NONE;
		}

	};

	/**
	 * Messages were enqueued.
	 * @param queue the queue
	 * @param driver the driver name
	 * @param count how many
	 */
	default void enqueued(String queue, String driver, int count) {
	}

	/**
	 * A message was handed to a handler (or pulled with {@link FilaTemplate#receive}).
	 * @param consumer the consumer id, {@link #PULL_CONSUMER} for pulls
	 * @param driver the driver name
	 * @param message the message
	 */
	default void delivered(String consumer, String driver, FilaMessage message) {
	}

	/**
	 * A delivery was acknowledged and the driver confirmed it.
	 * @param consumer the consumer id, {@link #PULL_CONSUMER} for pulls
	 * @param driver the driver name
	 * @param message the message
	 */
	default void acked(String consumer, String driver, FilaMessage message) {
	}

	/**
	 * A delivery failed and was settled: retried later, or dead-lettered.
	 * @param consumer the consumer id, {@link #PULL_CONSUMER} for pulls
	 * @param driver the driver name
	 * @param message the message
	 * @param deadLettered whether it went to the dead-letter queue (or was dropped, when the
	 * queue has none) rather than being retried
	 */
	default void nacked(String consumer, String driver, FilaMessage message, boolean deadLettered) {
	}

	/**
	 * Messages were moved from a dead-letter queue back to their queue.
	 * @param queue the queue they went back to
	 * @param driver the driver name
	 * @param count how many
	 */
	default void redriven(String queue, String driver, int count) {
	}

	/**
	 * Binds this recorder to one consumer of one queue. Listener containers call it once when
	 * they start and then call the returned recorder for every delivery. The default calls
	 * back the unbound methods of this recorder.
	 * @param consumer the consumer id, {@link #PULL_CONSUMER} for pulls
	 * @param queue the queue it consumes
	 * @param driver the driver name
	 * @return a recorder for that consumer's deliveries
	 */
	default ConsumerRecorder bindConsumer(String consumer, String queue, String driver) {
		FilaMetricsRecorder recorder = this;
		return new ConsumerRecorder() {

			@Override
			public void delivered(FilaMessage message) {
				recorder.delivered(consumer, driver, message);
			}

			@Override
			public void acked(FilaMessage message) {
				recorder.acked(consumer, driver, message);
			}

			@Override
			public void nacked(FilaMessage message, boolean deadLettered) {
				recorder.nacked(consumer, driver, message, deadLettered);
			}

		};
	}

	/**
	 * Binds this recorder to the enqueues of one queue. The default calls back
	 * {@link #enqueued(String, String, int)}.
	 * @param queue the queue
	 * @param driver the driver name
	 * @return a recorder for that queue's enqueues
	 */
	default QueueRecorder bindQueue(String queue, String driver) {
		FilaMetricsRecorder recorder = this;
		return (count) -> recorder.enqueued(queue, driver, count);
	}

	/**
	 * @param queue a queue name
	 * @return the name to report it under: temporary reply queues all report as
	 * {@link #REPLY_QUEUES}
	 */
	static String reportedQueue(String queue) {
		return queue.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX) ? REPLY_QUEUES : queue;
	}

	/**
	 * @param recorders recorders to call in order
	 * @return one recorder calling them all
	 */
	static FilaMetricsRecorder of(List<FilaMetricsRecorder> recorders) {
		List<FilaMetricsRecorder> all = List.copyOf(recorders);
		if (all.isEmpty()) {
			return NONE;
		}
		if (all.size() == 1) {
			return all.get(0);
		}
		return new FilaMetricsRecorder() {

			@Override
			public ConsumerRecorder bindConsumer(String consumer, String queue, String driver) {
				ConsumerRecorder[] bound = all.stream()
					.map((recorder) -> recorder.bindConsumer(consumer, queue, driver))
					.toArray(ConsumerRecorder[]::new);
				return new ConsumerRecorder() {

					@Override
					public void delivered(FilaMessage message) {
						for (ConsumerRecorder recorder : bound) {
							recorder.delivered(message);
						}
					}

					@Override
					public void acked(FilaMessage message) {
						for (ConsumerRecorder recorder : bound) {
							recorder.acked(message);
						}
					}

					@Override
					public void nacked(FilaMessage message, boolean deadLettered) {
						for (ConsumerRecorder recorder : bound) {
							recorder.nacked(message, deadLettered);
						}
					}

				};
			}

			@Override
			public QueueRecorder bindQueue(String queue, String driver) {
				QueueRecorder[] bound = all.stream()
					.map((recorder) -> recorder.bindQueue(queue, driver))
					.toArray(QueueRecorder[]::new);
				return (count) -> {
					for (QueueRecorder recorder : bound) {
						recorder.enqueued(count);
					}
				};
			}

			@Override
			public void enqueued(String queue, String driver, int count) {
				all.forEach((recorder) -> recorder.enqueued(queue, driver, count));
			}

			@Override
			public void delivered(String consumer, String driver, FilaMessage message) {
				all.forEach((recorder) -> recorder.delivered(consumer, driver, message));
			}

			@Override
			public void acked(String consumer, String driver, FilaMessage message) {
				all.forEach((recorder) -> recorder.acked(consumer, driver, message));
			}

			@Override
			public void nacked(String consumer, String driver, FilaMessage message, boolean deadLettered) {
				all.forEach((recorder) -> recorder.nacked(consumer, driver, message, deadLettered));
			}

			@Override
			public void redriven(String queue, String driver, int count) {
				all.forEach((recorder) -> recorder.redriven(queue, driver, count));
			}

		};
	}

	/**
	 * A {@link FilaMetricsRecorder} bound to one consumer of one queue (see
	 * {@link FilaMetricsRecorder#bindConsumer}).
	 */
	interface ConsumerRecorder {

		/** Records nothing. */
		ConsumerRecorder NONE = new ConsumerRecorder() {
		};

		/**
		 * A message was handed to the consumer's handler (or pulled).
		 * @param message the message
		 */
		default void delivered(FilaMessage message) {
		}

		/**
		 * A delivery was acknowledged and the driver confirmed it.
		 * @param message the message
		 */
		default void acked(FilaMessage message) {
		}

		/**
		 * A delivery failed and was settled: retried later, or dead-lettered.
		 * @param message the message
		 * @param deadLettered whether it went to the dead-letter queue (or was dropped)
		 */
		default void nacked(FilaMessage message, boolean deadLettered) {
		}

	}

	/**
	 * A {@link FilaMetricsRecorder} bound to the enqueues of one queue (see
	 * {@link FilaMetricsRecorder#bindQueue}).
	 */
	@FunctionalInterface
	interface QueueRecorder {

		/** Records nothing. */
		QueueRecorder NONE = (count) -> {
		};

		/**
		 * Messages were enqueued.
		 * @param count how many
		 */
		void enqueued(int count);

	}

}
