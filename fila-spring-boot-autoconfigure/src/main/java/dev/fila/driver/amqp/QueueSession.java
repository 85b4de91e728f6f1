package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FairScheduler;
import dev.fila.scheduling.FairScheduler.Readiness;
import dev.fila.scheduling.NanoClock;
import dev.fila.scheduling.QueueFlow;

/**
 * This instance's consumption of one Fila queue: a channel that consumes every fairness-key
 * queue (and the retry landing queue) with a small per-consumer prefetch, buffers what
 * RabbitMQ pushes per key, and hands messages out through a {@link FairScheduler} (deficit
 * round robin across the keys, skipping those whose throttles have no permit; a key whose
 * refill RabbitMQ is pushing keeps its turn, see {@link KeyBuffers}). Because every key with
 * backlog has messages buffered here, the scheduler chooses across keys exactly as the memory
 * driver does, not only among the messages a FIFO queue happened to push first.
 * <p>
 * A handed-out message is leased locally ({@link DeliveryLeases}): it stays unacked on the
 * channel until its consumer acks or nacks it, its lease is extended by heartbeats, and a
 * lease that runs out republishes the message with one more attempt (the stuck delivery is
 * then acked and its late ack fails). If the channel dies, RabbitMQ requeues everything
 * unacked: the process that died loses nothing. A session opens on the first fetch and closes
 * after a while without fetches, returning what it buffered.
 */
final class QueueSession implements FairScheduler.Fetcher<Delivery, LeasedMessage> {

	private static final Logger logger = LoggerFactory.getLogger(QueueSession.class);

	private final SessionHost host;

	private final String queue;

	/** The buffered deliveries per key, the DRR over them and the waits of fetches. */
	private final FairScheduler<KeyBuffer, Delivery> scheduler;

	private final ReentrantLock lock;

	/** The keys it buffered messages of, and whether RabbitMQ may refill a drained one. */
	private final KeyBuffers keys;

	/** What it handed out, leased until settled. */
	private final DeliveryLeases leases;

	/** The consumers of the lanes, one per key (or shard) queue and the retry queue. */
	private final KeyConsumers consumers;

	private volatile QueueSpec spec;

	/**
	 * The channels consuming the queue, each carrying a share of the key queues' consumers and
	 * their acks. They open and close together: one generation.
	 */
	private final ConsumerLanes lanes;

	private long generation;

	private volatile long lastUsed = System.nanoTime();

	/** This queue's counters in the driver: they outlive the session. */
	private final QueueCounters counters;

	private boolean closed;

	/** Set while the keys known when the channel opened are being consumed. */
	private boolean warming;

	/** While paused (a purge), the session consumes nothing and gives back what still arrives. */
	private boolean paused;

	/** While an operator pauses the whole queue: likewise, until resumed. */
	private boolean flowStopped;

	QueueSession(SessionHost host, QueueSpec spec, QueueCounters counters) {
		this.host = host;
		this.queue = spec.name();
		this.spec = spec;
		this.keys = new KeyBuffers(host, this::scheduled);
		this.scheduler = new FairScheduler<>(spec.quantum(), host.throttles(),
				(delivery) -> delivery.envelope.scheduling().throttleKeys(), NanoClock.SYSTEM, this.keys,
				(delivery) -> delivery.envelope.scheduling().priority(), (delivery) -> delivery.envelope.enqueuedAt());
		this.lock = this.scheduler.lock();
		this.counters = counters;
		this.leases = new DeliveryLeases(this.scheduler, this.keys, counters, () -> this.generation);
		this.lanes = new ConsumerLanes(host, spec.name());
		this.consumers = new KeyConsumers(host, spec.name(), this.lock, this.lanes, new Consuming());
	}

	String queue() {
		return this.queue;
	}

	/**
	 * What an operator's pause holds back, taken out so that RabbitMQ keeps it rather than this
	 * session holding it unacked (RabbitMQ's {@code consumer_timeout} would close the channel
	 * under every other key's handlers). A paused queue stops consuming and gives back all it
	 * buffered; a paused key (with a queue per key) stops its consumer and gives back its
	 * messages, including those that reach it through the retry queue. Resumed, they are
	 * consumed again. With key shards a paused key's messages stay buffered: its shard carries
	 * other keys. Runs on the driver's timer; the caller republishes what it returns.
	 * @return the deliveries to give back, not counting an attempt
	 */
	List<Delivery> takeHeldBack() {
		this.lock.lock();
		try {
			QueueFlow flow = this.scheduler.flow();
			if (!flow.paused() && !this.flowStopped && flow.pausedKeys().isEmpty() && !this.consumers.hasStoppedKeys()
					&& !flow.limited()) {
				return List.of();
			}
			List<Delivery> taken = new ArrayList<>();
			if (flow.paused()) {
				if (!this.flowStopped) {
					this.flowStopped = true;
					this.consumers.cancelConsumers();
				}
				this.scheduler.clear(taken);
				this.keys.emptied();
				return taken;
			}
			if (this.flowStopped) {
				this.flowStopped = false;
				if (!this.paused && this.lanes.isOpen()) {
					this.consumers.consumeAll();
				}
				this.scheduler.signalAll();
			}
			if (!this.host.shardQueues(this.queue).isEmpty()) {
				return taken;
			}
			for (String key : flow.pausedKeys()) {
				this.consumers.stopKey(key);
				KeyBuffer buffer = this.keys.getIfPresent(key);
				if (buffer != null && buffer.hasQueued()) {
					taken.addAll(this.scheduler.takeAll(buffer));
				}
			}
			this.consumers.startKeysBut(flow.pausedKeys());
			if (flow.limited()) {
				// A key at its in-flight limit would keep what came through the retry queue (its
				// deliveries have no key source) in that queue's prefetch, which every key shares:
				// it waits in the key's own queue instead, behind the key's other messages.
				for (KeyBuffer key : this.keys.all()) {
					int limit = flow.limitOf(key.name());
					if (limit > 0 && key.inFlight >= limit && key.hasQueued()) {
						taken.addAll(this.scheduler.takeMatching(key, (delivery) -> delivery.source == null));
					}
				}
			}
			return taken;
		}
		catch (IOException | RuntimeException ex) {
			dropChannel();
			return List.of();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Applies an operator's pauses, weight overrides, limits and priority aging. */
	void flow(QueueFlow flow) {
		this.scheduler.applyFlow(flow);
	}

	void update(QueueSpec spec) {
		this.lock.lock();
		try {
			this.scheduler.quantum(spec.quantum());
			this.spec = spec;
		}
		finally {
			this.lock.unlock();
		}
	}

	List<LeasedMessage> fetch(int max, Duration maxWait) throws InterruptedException {
		this.lastUsed = System.nanoTime();
		List<LeasedMessage> selected = this.scheduler.fetch(max, maxWait.toNanos(), this);
		this.lastUsed = System.nanoTime();
		return selected;
	}

	/** Before each look of a fetch: (re)connects and consumes; hands out nothing while warming. */
	@Override
	public Readiness prepare(long now) {
		if (this.closed) {
			return Readiness.STOP;
		}
		ensureConsuming(now);
		return this.warming ? Readiness.WAIT : Readiness.SELECT;
	}

	@Override
	public LeasedMessage lease(Delivery delivery, long now) {
		this.leases.lease(delivery, now + this.spec.visibilityTimeout().toNanos());
		return delivery.toLeased(this.queue);
	}

	@Override
	public long nanosUntilEvent(long now) {
		return this.lanes.isOpen() ? Long.MAX_VALUE : this.lanes.untilReconnect(now);
	}

	@Override
	public void throttled() {
		this.counters.throttleLimited().increment();
	}

	@Override
	public long inFlight() {
		return this.leases.size();
	}

	/** Whether the key is in the scheduler's rotation; such a key is not forgotten. */
	private boolean scheduled(KeyBuffer key) {
		return this.scheduler.isActive(key);
	}

	void wakeUp() {
		this.scheduler.wakeUp();
	}

	/** Opens the channel if needed and consumes every key queue not consumed yet. Under the lock. */
	private void ensureConsuming(long now) {
		if (!this.lanes.isOpen()) {
			if (!this.lanes.reconnectDue(now)) {
				return;
			}
			try {
				openChannel();
				this.lanes.connected();
			}
			catch (IOException | RuntimeException ex) {
				this.lanes.failed(now, ex);
				return;
			}
		}
		this.consumers.subscribeIfPending();
	}

	private void openChannel() throws IOException {
		long generation = ++this.generation;
		try {
			// Handled on the timer: the connection's thread must not wait for the session lock,
			// whose holder may be waiting for a reply that thread reads.
			this.lanes.open((signal) -> this.host.execute(() -> channelLost(generation, signal)));
		}
		catch (IOException | RuntimeException ex) {
			this.generation++;
			throw ex;
		}
		this.consumers.reset();
		this.consumers.consumeAll();
	}

	/**
	 * Waits until every message RabbitMQ pushed to this session before the call is in its
	 * buffer: a consumer's consume-ok is dispatched after the deliveries that preceded it on
	 * the channel. Called without the lock, which the deliveries need.
	 */
	void barrier() {
		ConsumerLanes.Barrier barrier;
		this.lock.lock();
		try {
			barrier = this.lanes.barrier();
		}
		finally {
			this.lock.unlock();
		}
		if (barrier != null) {
			barrier.await();
		}
	}

	/** Stops consuming (a purge is about to run); what still arrives goes back to RabbitMQ. */
	void pause() {
		this.lock.lock();
		try {
			this.paused = true;
			this.consumers.cancelConsumers();
		}
		catch (IOException | RuntimeException ex) {
			dropChannel();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Consumes again after {@link #pause}. */
	void resume() {
		this.lock.lock();
		try {
			this.paused = false;
			if (this.lanes.isOpen() && !this.flowStopped) {
				this.consumers.consumeAll();
			}
			this.scheduler.signalAll();
		}
		catch (IOException | RuntimeException ex) {
			dropChannel();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void channelLost(long generation, ShutdownSignalException signal) {
		this.lock.lock();
		try {
			if (generation != this.generation || !this.lanes.isOpen()) {
				return;
			}
			if (!signal.isInitiatedByApplication()) {
				logger.warn("Queue {}: lost its RabbitMQ channel ({}); unacked messages return to RabbitMQ, "
						+ "reconnecting", this.queue, signal.getMessage());
			}
			dropChannel();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Forgets the channel and what it buffered (RabbitMQ requeues it). Under the lock. */
	private void dropChannel() {
		this.generation++;
		this.keys.clear();
		this.scheduler.clear(null);
		this.consumers.dropped();
		this.warming = false;
		this.scheduler.signalAll();
		this.lanes.drop();
	}

	/** Its leases: settled, released, extended and expired through the driver. */
	DeliveryLeases leases() {
		return this.leases;
	}

	/**
	 * Takes every buffered message that was not handed out (purge, close).
	 * @param stopConsuming whether to cancel the consumers first, so nothing new arrives
	 */
	List<Delivery> takeBuffered(boolean stopConsuming) {
		this.lock.lock();
		try {
			if (stopConsuming) {
				this.closed = true;
				this.scheduler.signalAll();
				try {
					this.consumers.cancelConsumers();
				}
				catch (IOException | RuntimeException ex) {
					// the channel is going away: nothing more arrives on it anyway
				}
			}
			List<Delivery> taken = new ArrayList<>();
			this.scheduler.clear(taken);
			this.keys.emptied();
			return taken;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Closes the channel: what is still unacked on it goes back to RabbitMQ. */
	void closeChannel() {
		this.lock.lock();
		try {
			this.closed = true;
			this.generation++;
			this.scheduler.signalAll();
			this.lanes.close();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isIdle(long idleNanos) {
		return System.nanoTime() - this.lastUsed > idleNanos && this.leases.size() == 0;
	}

	/** Per key: buffered here (pending to the user) and leased; for stats. */
	Map<String, KeyBuffers.KeyCounts> localCounts() {
		this.lock.lock();
		try {
			return this.keys.counts();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Its consumers, which the key log's events and the expiry of idle key queues reach
	 * directly: announced keys to consume, keys to pause while their queue may be deleted.
	 */
	KeyConsumers consumers() {
		return this.consumers;
	}

	private void received(Channel channel, long generation, @Nullable KeySource source, Envelope delivery,
			AMQP.BasicProperties properties, byte[] body) {
		AmqpMessages.Envelope envelope = AmqpMessages.envelope(properties, body);
		int attempts = envelope.priorAttempts() + 1 + (delivery.isRedeliver() ? 1 : 0);
		this.lock.lock();
		try {
			if (generation != this.generation || this.closed || this.paused || this.flowStopped
					|| (source != null && source.cancelled)) {
				// A delivery racing a close (or a consumer cancelled for an expiry): give it back at once.
				AmqpChannels.rejectQuietly(channel, delivery.getDeliveryTag());
				return;
			}
			KeyBuffer key = this.keys.get(envelope.scheduling().fairnessKey());
			if (source != null) {
				this.keys.delivered(key, source);
			}
			this.scheduler.add(key,
					new Delivery(channel, generation, delivery.getDeliveryTag(), envelope, attempts, key, source),
					envelope.scheduling().weight(), false);
			this.scheduler.signal(1);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** What the consumers see of this session. */
	private final class Consuming implements ConsumingSession {

		@Override
		public long generation() {
			return QueueSession.this.generation;
		}

		@Override
		public boolean consuming() {
			return !QueueSession.this.paused && !QueueSession.this.flowStopped && !QueueSession.this.closed;
		}

		@Override
		public boolean closed() {
			return QueueSession.this.closed;
		}

		@Override
		public void warming(boolean warming) {
			QueueSession.this.warming = warming;
		}

		@Override
		public void warmedUp() {
			if (QueueSession.this.warming) {
				QueueSession.this.warming = false;
				QueueSession.this.scheduler.signalAll();
			}
		}

		@Override
		public void refillComing(String key, KeySource source) {
			QueueSession.this.scheduler.activate(QueueSession.this.keys.refillComing(key, source));
			QueueSession.this.scheduler.signalAll();
		}

		@Override
		public void received(Channel channel, long generation, @Nullable KeySource source, Envelope delivery,
				AMQP.BasicProperties properties, byte[] body) {
			QueueSession.this.received(channel, generation, source, delivery, properties, body);
		}

		@Override
		public void dropChannel() {
			QueueSession.this.dropChannel();
		}

	}

}
