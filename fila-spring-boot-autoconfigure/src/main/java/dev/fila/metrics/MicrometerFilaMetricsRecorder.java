package dev.fila.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;

/**
 * Counts message events in Micrometer: {@code fila.messages.enqueued} and
 * {@code fila.messages.redriven} (tags {@code queue}, {@code driver}),
 * {@code fila.messages.delivered}, {@code fila.messages.acked}, {@code fila.messages.nacked},
 * {@code fila.messages.dead_lettered} and the {@code fila.delivery.latency} timer (tags
 * {@code queue}, {@code driver}, {@code consumer}).
 * <p>
 * Meters are registered once per queue and per consumer, when a listener container starts
 * ({@link #bindConsumer}) or a queue is first sent to ({@link #bindQueue}); the bound
 * recorders hold them, so a delivery, an ack or an enqueue is an increment, with no lookup
 * and no registration. The unbound methods look the same meters up in a map (pulls, redrives
 * and callers that do not bind).
 * <p>
 * The latency is the time from enqueue ({@link FilaMessage#enqueuedAt()}) to the handler start
 * of first deliveries; redeliveries are left out, since their wait includes retry delays and
 * expired leases.
 */
public class MicrometerFilaMetricsRecorder implements FilaMetricsRecorder {

	static final String ENQUEUED = "fila.messages.enqueued";

	static final String DELIVERED = "fila.messages.delivered";

	static final String ACKED = "fila.messages.acked";

	static final String NACKED = "fila.messages.nacked";

	static final String DEAD_LETTERED = "fila.messages.dead_lettered";

	static final String REDRIVEN = "fila.messages.redriven";

	static final String LATENCY = "fila.delivery.latency";

	private final MeterRegistry registry;

	private final Map<QueueKey, QueueMeters> queueMeters = new ConcurrentHashMap<>();

	private final Map<ConsumerKey, ConsumerMeters> consumerMeters = new ConcurrentHashMap<>();

	/**
	 * @param registry where the meters go
	 */
	public MicrometerFilaMetricsRecorder(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public ConsumerRecorder bindConsumer(String consumer, String queue, String driver) {
		return consumerMeters(queue, driver, consumer);
	}

	@Override
	public QueueRecorder bindQueue(String queue, String driver) {
		return queueMeters(queue, driver);
	}

	@Override
	public void enqueued(String queue, String driver, int count) {
		queueMeters(queue, driver).enqueued(count);
	}

	@Override
	public void redriven(String queue, String driver, int count) {
		queueMeters(queue, driver).redriven().increment(count);
	}

	@Override
	public void delivered(String consumer, String driver, FilaMessage message) {
		consumerMeters(message.queue(), driver, consumer).delivered(message);
	}

	@Override
	public void acked(String consumer, String driver, FilaMessage message) {
		consumerMeters(message.queue(), driver, consumer).acked(message);
	}

	@Override
	public void nacked(String consumer, String driver, FilaMessage message, boolean deadLettered) {
		consumerMeters(message.queue(), driver, consumer).nacked(message, deadLettered);
	}

	private QueueMeters queueMeters(String queue, String driver) {
		QueueKey key = new QueueKey(FilaMetricsRecorder.reportedQueue(queue), driver);
		QueueMeters meters = this.queueMeters.get(key);
		return (meters != null) ? meters : this.queueMeters.computeIfAbsent(key, this::createQueueMeters);
	}

	private ConsumerMeters consumerMeters(String queue, String driver, String consumer) {
		ConsumerKey key = new ConsumerKey(FilaMetricsRecorder.reportedQueue(queue), driver, consumer);
		ConsumerMeters meters = this.consumerMeters.get(key);
		return (meters != null) ? meters : this.consumerMeters.computeIfAbsent(key, this::createConsumerMeters);
	}

	private QueueMeters createQueueMeters(QueueKey key) {
		Tags tags = Tags.of("queue", key.queue(), "driver", key.driver());
		return new QueueMeters(counter(ENQUEUED, "Messages enqueued", tags),
				counter(REDRIVEN, "Messages moved from the dead-letter queue back to this queue", tags));
	}

	private ConsumerMeters createConsumerMeters(ConsumerKey key) {
		Tags tags = Tags.of("queue", key.queue(), "driver", key.driver(), "consumer", key.consumer());
		return new ConsumerMeters(counter(DELIVERED, "Messages handed to a handler", tags),
				counter(ACKED, "Deliveries acknowledged", tags),
				counter(NACKED, "Deliveries that failed, whether retried or dead-lettered", tags),
				counter(DEAD_LETTERED, "Failed deliveries moved to the dead-letter queue", tags),
				Timer.builder(LATENCY)
					.description("Time from enqueue to the handler start of first deliveries")
					.tags(tags)
					.register(this.registry),
				this.registry.config().clock());
	}

	private Counter counter(String name, String description, Tags tags) {
		return Counter.builder(name).description(description).baseUnit("messages").tags(tags).register(this.registry);
	}

	private record QueueKey(String queue, String driver) {
	}

	private record ConsumerKey(String queue, String driver, String consumer) {
	}

	/** The meters of one queue: what a bound queue recorder increments. */
	private record QueueMeters(Counter enqueuedCounter, Counter redriven) implements QueueRecorder {

		@Override
		public void enqueued(int count) {
			this.enqueuedCounter.increment(count);
		}

	}

	/** The meters of one consumer of one queue: what a bound consumer recorder increments. */
	private record ConsumerMeters(Counter deliveredCounter, Counter ackedCounter, Counter nackedCounter,
			Counter deadLetteredCounter, Timer latency, Clock clock) implements ConsumerRecorder {

		@Override
		public void delivered(FilaMessage message) {
			this.deliveredCounter.increment();
			if (message.attempts() == 1) {
				long waited = this.clock.wallTime() - message.enqueuedAt().toEpochMilli();
				this.latency.record(Math.max(0, waited), TimeUnit.MILLISECONDS);
			}
		}

		@Override
		public void acked(FilaMessage message) {
			this.ackedCounter.increment();
		}

		@Override
		public void nacked(FilaMessage message, boolean deadLettered) {
			this.nackedCounter.increment();
			if (deadLettered) {
				this.deadLetteredCounter.increment();
			}
		}

	}

}
