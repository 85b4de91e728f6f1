package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.SettingsStore;
import dev.fila.core.FilaException;
import dev.fila.core.QueueStats;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpMessages.Envelope;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.QueueFlow;

/**
 * The RabbitMQ driver. Each Fila queue is a set of RabbitMQ queues, one per fairness key, so
 * that a consumer can choose across keys instead of taking whatever a single FIFO queue hands
 * it; see {@link AmqpNames} for the layout and {@link QueueSession} for how consumption works.
 * Publishing uses publisher confirms and mandatory routing: {@link #enqueue} returns only when
 * RabbitMQ has taken every message, and a message no queue took (its key queue was deleted)
 * is published again after re-declaring the queue. Retries wait in per-delay TTL queues that
 * dead-letter into the queue's retry queue, so no thread waits for them.
 * <p>
 * Throttles hold across every instance: their permits are tokens in RabbitMQ, refilled by one
 * instance (see {@link SharedThrottles}).
 */
public class AmqpDriver implements FilaDriver {

	/** The driver type. */
	public static final String TYPE = "amqp";

	private static final Logger logger = LoggerFactory.getLogger(AmqpDriver.class);

	private final String name;

	private final AmqpChannels channels;

	private final MessageLimits limits;

	private final KeyLog keyLog;

	/** Runtime config and throttles shared by every instance; read from the stream on first use. */
	private final AmqpSettingsStore settings;

	private final SharedThrottles throttles;

	private final PublishedKeys publishedKeys = new PublishedKeys();

	private final AmqpTopology topology;

	private final AmqpSessions sessions;

	private final AmqpPublisher publisher;

	private final AmqpStats stats;

	private final AmqpHousekeeping housekeeping;

	private final ScheduledExecutorService timer;

	/** Deletes idle key queues; disabled with key shards, whose queues are a fixed set. */
	private final KeyExpiry keyExpiry;

	public AmqpDriver(String name, ConnectionFactory connectionFactory, AmqpDriverOptions options) {
		this(name, connectionFactory, options, MessageLimits.DEFAULTS);
	}

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's RabbitMQ connection factory
	 * @param options the driver options
	 * @param limits the largest message the driver takes: headers must fit in one AMQP frame
	 * (at most 96 KiB with RabbitMQ's default {@code frame_max}, see docs/drivers/amqp.md)
	 */
	public AmqpDriver(String name, ConnectionFactory connectionFactory, AmqpDriverOptions options, MessageLimits limits) {
		this.name = name;
		this.limits = limits;
		this.channels = new AmqpChannels(connectionFactory, Duration.ofSeconds(30));
		AmqpNames names = new AmqpNames(options.prefix());
		// Not with shards (a fixed set of queues), nor on quorum queues, which RabbitMQ cannot
		// delete "if unused and empty", the condition that makes a delete safe.
		boolean expires = !options.sharded() && !options.quorum();
		ExpiryProtocol expiries = new ExpiryProtocol(expires ? options.keyIdleExpiry() : Duration.ZERO,
				System::nanoTime);
		this.keyLog = new KeyLog(this.channels, names.keyLog(), options.keyLogMaxBytes(), expiries);
		this.settings = new AmqpSettingsStore(this.channels, names.settings(), name);
		if (options.sharded()) {
			this.keyLog.limitKeys(AmqpTopology.SHARD_PLACED_KEYS);
		}
		this.topology = new AmqpTopology(this.channels, names, options, this.keyLog, this.publishedKeys);
		this.throttles = new SharedThrottles(name, this.channels, names, options.quorum());
		this.timer = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fila-amqp-" + name);
			thread.setDaemon(true);
			return thread;
		});
		this.keyExpiry = new KeyExpiry(expiries, this.channels, names, this.keyLog, this.timer);
		this.sessions = new AmqpSessions(this.channels, this.topology, this.keyLog, this.throttles, this.timer);
		this.publisher = new AmqpPublisher(this.channels, this.topology, this.keyLog, this.keyExpiry,
				this.publishedKeys, this::createQueue);
		this.stats = new AmqpStats(name, this.channels, this.topology, this.publishedKeys);
		this.housekeeping = new AmqpHousekeeping(name, options.sessionIdleTimeout(), this.sessions, this.publisher,
				this.publishedKeys, this.keyLog, this.keyExpiry);
		this.keyLog.listen(new KeyLogEvents(this.sessions, this.topology, this.publishedKeys, this.keyExpiry));
		this.timer.scheduleWithFixedDelay(this.housekeeping, 100, 100, TimeUnit.MILLISECONDS);
		try {
			this.keyLog.declare();
		}
		catch (FilaException ex) {
			logger.warn("Driver '{}': could not declare the key log {} yet ({}); will retry", name, names.keyLog(),
					ex.getMessage());
		}
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String type() {
		return TYPE;
	}

	@Override
	public MessageLimits limits() {
		return this.limits;
	}

	@Override
	public void createQueue(QueueSpec spec) {
		this.topology.declare(spec);
		QueueSession session = this.sessions.get(spec.name());
		if (session != null) {
			session.update(spec);
		}
		if (spec.deadLetter()) {
			createQueue(new QueueSpec(spec.deadLetterQueue(), spec.visibilityTimeout(), spec.quantum(), false));
		}
	}

	@Override
	public boolean deleteQueue(String queue) {
		if (!queueExists(queue)) {
			return false;
		}
		QueueSession session = this.sessions.remove(queue);
		if (session != null) {
			session.takeBuffered(true);
			session.closeChannel();
		}
		this.topology.delete(queue);
		this.publishedKeys.queueDeleted(queue);
		this.keyExpiry.forgetQueue(queue);
		this.sessions.forgetCounters(queue);
		return true;
	}

	@Override
	public List<String> listQueues() {
		return this.topology.listQueues();
	}

	@Override
	public boolean queueExists(String queue) {
		return this.topology.queueExists(queue);
	}

	@Override
	public List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		this.limits.check(this, queue, messages);
		this.topology.requireQueue(queue);
		long now = System.currentTimeMillis();
		List<Envelope> envelopes = new ArrayList<>(messages.size());
		List<Envelope> delayed = new ArrayList<>();
		List<Duration> delays = new ArrayList<>();
		List<String> ids = new ArrayList<>(messages.size());
		for (OutgoingMessage message : messages) {
			String id = message.id();
			ids.add(id);
			Envelope envelope = new Envelope(id, message.headers(), message.payload(), message.scheduling(), 0, now);
			if (message.delayed()) {
				delayed.add(envelope);
				delays.add(message.delay());
			}
			else {
				envelopes.add(envelope);
			}
		}
		if (!envelopes.isEmpty()) {
			this.publisher.publishToKeys(queue, envelopes);
		}
		if (!delayed.isEmpty()) {
			this.publisher.publishDelayed(queue, delayed, delays);
		}
		return ids;
	}

	@Override
	public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		return this.sessions.open(queue).fetch(max, maxWait);
	}

	@Override
	public void wakeUp(String queue) {
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			session.wakeUp();
		}
	}

	private @Nullable Delivery settle(LeasedMessage message) {
		QueueSession session = this.sessions.get(message.queue());
		return (session != null) ? session.leases().settle(message) : null;
	}

	@Override
	public boolean ack(LeasedMessage message) {
		Delivery delivery = settle(message);
		return delivery != null && delivery.ack();
	}

	@Override
	public boolean nack(LeasedMessage message, FailureDecision decision, String error) {
		Delivery delivery = settle(message);
		if (delivery == null) {
			return false;
		}
		try {
			this.publisher.failed(message, delivery, decision, error);
		}
		catch (RuntimeException ex) {
			// Not settled: give the message back to RabbitMQ rather than lose it.
			delivery.reject();
			throw ex;
		}
		return delivery.ack();
	}

	@Override
	public boolean release(LeasedMessage message) {
		QueueSession session = this.sessions.get(message.queue());
		return session != null && session.leases().release(message);
	}

	@Override
	public boolean extendLease(LeasedMessage message, Duration duration) {
		QueueSession session = this.sessions.get(message.queue());
		return session != null && session.leases().extend(message, duration);
	}

	@Override
	public QueueStats stats(String queue) {
		this.topology.requireQueue(queue);
		return this.stats.stats(queue, this.sessions.get(queue));
	}

	@Override
	public int redrive(String deadLetterQueue, int count) {
		this.topology.requireQueue(deadLetterQueue);
		String source = QueueSpec.sourceQueueOf(deadLetterQueue);
		this.topology.requireQueue(source);
		long target = Math.min(count, stats(deadLetterQueue).pending());
		int moved = 0;
		try {
			while (moved < target) {
				List<LeasedMessage> batch = fetch(deadLetterQueue, (int) Math.min(100, target - moved),
						Duration.ofSeconds(2));
				if (batch.isEmpty()) {
					break;
				}
				this.publisher.redrive(source, batch);
				for (LeasedMessage message : batch) {
					ack(message);
				}
				moved += batch.size();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return moved;
	}

	/**
	 * Not supported: RabbitMQ cannot read a message without delivering it. A {@code basic.get}
	 * given back marks the message redelivered, which this driver counts as an attempt that died
	 * with its consumer (and a quorum queue counts in {@code x-delivery-count}), so a look would
	 * change what it looks at.
	 */
	@Override
	public List<PendingMessage> peek(String queue, int count) {
		this.topology.requireQueue(queue);
		throw new UnsupportedOperationException("The amqp driver '" + this.name + "' cannot peek at '" + queue
				+ "': RabbitMQ has no way to read a message without delivering it, and a message given back "
				+ "counts one attempt more");
	}

	@Override
	public long purge(String queue) {
		this.topology.requireQueue(queue);
		long removed = 0;
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			session.pause();
			session.barrier();
			for (Delivery delivery : session.takeBuffered(false)) {
				if (delivery.ack()) {
					removed++;
				}
			}
		}
		try {
			removed += this.topology.purge(queue);
		}
		finally {
			if (session != null) {
				session.resume();
			}
		}
		this.publishedKeys.purged(queue);
		return removed;
	}

	@Override
	public void applyFlow(String queue, QueueFlow flow) {
		this.sessions.flow(queue, flow);
	}

	@Override
	public void setThrottle(String key, double rate, long burst) {
		this.throttles.set(key, rate, burst);
	}

	/** @return the ready tokens of the key's token queue and those this instance holds */
	@Override
	public double availablePermits(String key) {
		return this.throttles.available(key);
	}

	@Override
	public long expiredLeases(String queue) {
		QueueCounters counters = this.sessions.countersIfAny(queue);
		return (counters != null) ? counters.expiredLeases().sum() : 0;
	}

	@Override
	public long throttleLimited(String queue) {
		QueueCounters counters = this.sessions.countersIfAny(queue);
		return (counters != null) ? counters.throttleLimited().sum() : 0;
	}

	@Override
	public void ping() {
		this.channels.ping();
	}

	@Override
	public void close() {
		this.timer.shutdownNow();
		this.throttles.close();
		this.keyExpiry.closeRunning();
		for (QueueSession session : this.sessions.all()) {
			this.housekeeping.closeSession(session);
		}
		this.sessions.clear();
		this.keyLog.close();
		this.settings.close();
		this.channels.close();
	}

	@Override
	public SettingsStore settingsStore() {
		return this.settings;
	}

	// For tests in this package

	AmqpChannels channels() {
		return this.channels;
	}

	AmqpNames names() {
		return this.topology.names();
	}

	SharedThrottles throttles() {
		return this.throttles;
	}

	KeyLog keyLog() {
		return this.keyLog;
	}

	String keyQueue(String queue, String key) {
		return this.topology.keyQueue(queue, key);
	}

	List<String> shardQueues(String queue) {
		return this.topology.shardQueues(queue);
	}

	/** Sets the {@code x-expires} of reply queues; {@link AmqpTopology#REPLY_QUEUE_EXPIRY} but in tests. */
	void replyQueueExpiry(Duration expiry) {
		this.topology.replyQueueExpiry(expiry);
	}

	/** Sets how long unused keys stay in producer caches; {@link PublishedKeys#FORGET_KEYS_AFTER} but in tests. */
	void forgetKeysAfter(Duration idle) {
		this.publishedKeys.forgetKeysAfter(idle);
	}

	/**
	 * Sizes of this instance's state per queue and per key, for tests: each map with how many
	 * entries it holds, nested entries included.
	 */
	Map<String, Integer> footprint() {
		Map<String, Integer> sizes = new TreeMap<>();
		this.sessions.footprint(sizes);
		this.topology.footprint(sizes);
		this.publishedKeys.footprint(sizes);
		return sizes;
	}

	/** How many key queues of a Fila queue this instance deleted as idle. */
	long expiredKeyQueues(String queue) {
		return this.keyExpiry.counts(queue).expired().sum();
	}

	/** What this instance's expiries of a queue's idle key queues did. */
	KeyExpiry.Counts keyExpiryCounts(String queue) {
		return this.keyExpiry.counts(queue);
	}

}
