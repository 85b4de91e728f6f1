package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import com.rabbitmq.client.Channel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.driver.amqp.ConsumerLanes.Lane;

/**
 * The consumers of a {@link QueueSession}: one per key queue (or shard) and one on the retry
 * queue, spread over the session's {@link ConsumerLanes lanes}. Keys announced in the key log
 * are consumed on the driver's timer thread, a few hundred at a time; a consumer RabbitMQ
 * cancels (its queue was deleted) is consumed again only if its queue exists again; a key
 * being expired is not consumed until its expiry closes with the queue kept. Shares the
 * session's lock, and reaches the session's buffer only through {@link ConsumingSession}.
 */
final class KeyConsumers {

	private static final Logger logger = LoggerFactory.getLogger(KeyConsumers.class);

	private final SessionHost host;

	private final String queue;

	private final ReentrantLock lock;

	private final ConsumerLanes lanes;

	private final ConsumingSession session;

	/** What each consumer of the current channel consumes, by consumer tag. */
	private final Map<String, Consumed> consumers = new HashMap<>();

	private final Set<String> consumedQueues = new HashSet<>();

	/**
	 * Queues to consume: keys announced in the key log since the last fetch, or (with key
	 * shards) every shard when the channel opens. Consumed on the driver's timer thread.
	 */
	private final ConcurrentLinkedQueue<Target> toConsume = new ConcurrentLinkedQueue<>();

	/**
	 * Queues whose consumer RabbitMQ cancelled (they were deleted): consumed again only if the
	 * queue exists again, never re-created by this session. A producer that re-declares a
	 * deleted key queue announces the key again, which brings it back to {@link #toConsume}.
	 */
	private final ConcurrentLinkedQueue<Target> cancelled = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean subscribing = new AtomicBoolean();

	/**
	 * Keys whose queue an instance is expiring: not consumed (this session cancelled its
	 * consumer, or skipped the key) until the expiry closes with the queue kept.
	 */
	private final Set<String> pausedKeys = new HashSet<>();

	/**
	 * Keys an operator paused: not consumed, so that RabbitMQ keeps their messages (instead of
	 * this session holding them unacked for as long as the pause lasts). Kept across reconnects.
	 */
	private final Set<String> stoppedKeys = new HashSet<>();

	KeyConsumers(SessionHost host, String queue, ReentrantLock lock, ConsumerLanes lanes, ConsumingSession session) {
		this.host = host;
		this.queue = queue;
		this.lock = lock;
		this.lanes = lanes;
		this.session = session;
	}

	/** New lanes opened: nothing is consumed on them yet. Under the lock. */
	void reset() {
		this.consumers.clear();
		this.consumedQueues.clear();
		this.pausedKeys.clear();
		this.toConsume.clear();
		this.cancelled.clear();
	}

	/** The lanes were dropped, and their consumers with them. Under the lock. */
	void dropped() {
		this.consumers.clear();
		this.consumedQueues.clear();
	}

	/** Has queues still to consume consumed on the timer thread. */
	void subscribeIfPending() {
		if (!this.toConsume.isEmpty()) {
			subscribe();
		}
	}

	/** Has newly announced keys consumed on the driver's timer thread. */
	void subscribe() {
		this.host.execute(this::subscribeAnnounced);
	}

	/** Called by the key log reader when any instance announces a key of this queue. */
	void keyAnnounced(String key) {
		this.toConsume.add(new Target(this.host.keyQueue(this.queue, key), key));
		subscribe();
	}

	/**
	 * Consumes the key queues announced since the last call. Runs on the driver's timer thread,
	 * not under the session lock: a queue with thousands of keys takes thousands of round trips,
	 * during which fetches, acks and heartbeats must go on. Yields after a few hundred keys.
	 */
	void subscribeAnnounced() {
		if (!this.subscribing.compareAndSet(false, true)) {
			return;
		}
		boolean more = false;
		long generation = -1;
		try {
			for (int done = 0; done < 500; done++) {
				Target target;
				String rabbitQueue;
				KeySource source;
				Lane lane;
				boolean cancelled = false;
				this.lock.lock();
				try {
					generation = this.session.generation();
					if (!this.lanes.isOpen() || !this.session.consuming()) {
						return;
					}
					List<Lane> lanes = this.lanes.lanes();
					target = this.toConsume.poll();
					if (target == null) {
						target = this.cancelled.poll();
						cancelled = target != null;
					}
					if (target == null) {
						this.session.warmedUp();
						return;
					}
					rabbitQueue = target.rabbitQueue();
					if (target.key() != null && this.stoppedKeys.contains(target.key())) {
						continue;
					}
					if (target.key() != null && this.host.expiring(this.queue, target.key())) {
						// Consumed when the expiry closes with the queue kept; checked under the lock
						// that resumeAfterExpiry takes, so that closing cannot slip in between.
						this.pausedKeys.add(target.key());
						continue;
					}
					if (!this.consumedQueues.add(rabbitQueue)) {
						continue;
					}
					source = new KeySource(rabbitQueue, this.host.keyPrefetch(this.consumedQueues.size() - 1));
					lane = lanes.get(this.consumedQueues.size() % lanes.size());
				}
				finally {
					this.lock.unlock();
				}
				Channel channel = lane.channel;
				if (cancelled && this.host.readyCount(rabbitQueue) < 0) {
					// Deleted and not re-declared: a deleted Fila queue must not come back through us.
					forgetConsumed(generation, rabbitQueue);
					continue;
				}
				// Declaring first makes consuming safe even if the key queue was deleted meanwhile.
				int ready = channel.queueDeclare(rabbitQueue, true, false, false, this.host.keyQueueArguments(this.queue))
					.getMessageCount();
				String tag = lane.consume(rabbitQueue, source.prefetch,
						new LaneConsumer(channel, this, this.session, generation, source));
				this.lock.lock();
				try {
					if (generation != this.session.generation()) {
						return;
					}
					this.consumers.put(tag, new Consumed(channel, target, source));
					if (ready > 0 && target.key() != null) {
						// RabbitMQ is about to push this key: give it its turn rather than skip it.
						this.session.refillComing(target.key(), source);
					}
				}
				finally {
					this.lock.unlock();
				}
			}
			more = true;
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Queue {}: consuming a key queue failed ({}); reconnecting", this.queue,
					AmqpChannels.describe(ex));
			this.lock.lock();
			try {
				if (generation == this.session.generation()) {
					this.session.dropChannel();
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		finally {
			this.subscribing.set(false);
		}
		if (more || !this.toConsume.isEmpty() || !this.cancelled.isEmpty()) {
			subscribe();
		}
	}

	private void forgetConsumed(long generation, String rabbitQueue) {
		this.lock.lock();
		try {
			if (generation == this.session.generation()) {
				this.consumedQueues.remove(rabbitQueue);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	void consumeAll() throws IOException {
		consumeRetryQueue();
		List<String> shards = this.host.shardQueues(this.queue);
		if (!shards.isEmpty()) {
			for (String shard : shards) {
				this.toConsume.add(new Target(shard, null));
			}
		}
		else {
			for (String key : this.host.announcedKeys(this.queue)) {
				this.toConsume.add(new Target(this.host.keyQueue(this.queue, key), key));
			}
		}
		// Hand nothing out until every known key is consumed: the first deliveries are fair too.
		this.session.warming(!this.toConsume.isEmpty());
		subscribe();
	}

	private void consumeRetryQueue() throws IOException {
		Lane lane = this.lanes.lanes().get(0);
		String retryQueue = this.host.retryQueue(this.queue);
		String tag = lane.consume(retryQueue, this.host.keyPrefetch(this.consumedQueues.size()),
				new LaneConsumer(lane.channel, this, this.session, this.session.generation(), null));
		this.consumers.put(tag, new Consumed(lane.channel, new Target(retryQueue, null), null));
		this.consumedQueues.add(retryQueue);
	}

	/** Cancels every consumer of the current channel; nothing new arrives after. Under the lock. */
	void cancelConsumers() throws IOException {
		for (Map.Entry<String, Consumed> consumer : List.copyOf(this.consumers.entrySet())) {
			Channel channel = consumer.getValue().channel();
			if (channel.isOpen()) {
				channel.basicCancel(consumer.getKey());
			}
		}
		this.consumers.clear();
		this.consumedQueues.clear();
	}

	/**
	 * Keys whose queue this session has consumed for the given time without holding any of
	 * its messages: candidates for expiry. A few per call.
	 */
	List<String> idleKeys(long idleNanos) {
		this.lock.lock();
		try {
			if (!this.lanes.isOpen() || !this.session.consuming()) {
				return List.of();
			}
			long now = System.nanoTime();
			List<String> idle = new ArrayList<>();
			for (Consumed consumed : this.consumers.values()) {
				KeySource source = consumed.source();
				String key = consumed.target().key();
				if (key != null && source != null && source.unacked.get() == 0
						&& now - source.lastActivity > idleNanos) {
					idle.add(key);
					if (idle.size() >= 20) {
						break;
					}
				}
			}
			return idle;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * An instance is expiring a key's queue: stop consuming it if this session holds none of its
	 * messages, so that the delete can go ahead. A session that holds some keeps consuming, and
	 * RabbitMQ refuses the delete (the queue is in use). Deliveries already on their way to the
	 * cancelled consumer go back to the queue, which then refuses the delete as not empty.
	 * Runs on the driver's timer thread.
	 */
	void pauseForExpiry(String key) {
		this.lock.lock();
		try {
			if (!this.host.expiring(this.queue, key)) {
				return;
			}
			for (Map.Entry<String, Consumed> consumer : List.copyOf(this.consumers.entrySet())) {
				Consumed consumed = consumer.getValue();
				KeySource source = consumed.source();
				if (!key.equals(consumed.target().key()) || source == null) {
					continue;
				}
				if (source.unacked.get() > 0) {
					return;
				}
				this.pausedKeys.add(key);
				cancel(consumer.getKey(), consumed);
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Queue {}: cancelling the consumer of key '{}' failed ({})", this.queue, key,
					AmqpChannels.describe(ex));
			this.session.dropChannel();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops consuming a paused key's queue (a queue per key only). Deliveries already on their
	 * way come back to RabbitMQ ({@link KeySource#cancelled}). Under the lock.
	 */
	void stopKey(String key) throws IOException {
		if (!this.stoppedKeys.add(key)) {
			return;
		}
		for (Map.Entry<String, Consumed> consumer : List.copyOf(this.consumers.entrySet())) {
			if (key.equals(consumer.getValue().target().key())) {
				cancel(consumer.getKey(), consumer.getValue());
			}
		}
	}

	/** Cancels one consumer; what is on its way to it goes back to RabbitMQ. Under the lock. */
	private void cancel(String tag, Consumed consumed) throws IOException {
		if (consumed.source() != null) {
			consumed.source().cancelled = true;
		}
		this.consumers.remove(tag);
		this.consumedQueues.remove(consumed.rabbitQueue());
		if (consumed.channel().isOpen()) {
			consumed.channel().basicCancel(tag);
		}
	}

	/** @return whether some keys are not consumed because they are paused */
	boolean hasStoppedKeys() {
		return !this.stoppedKeys.isEmpty();
	}

	/** Consumes again the keys stopped for a pause that are no longer paused. Under the lock. */
	void startKeysBut(Set<String> stillPaused) {
		boolean any = false;
		for (String key : List.copyOf(this.stoppedKeys)) {
			if (!stillPaused.contains(key)) {
				this.stoppedKeys.remove(key);
				this.toConsume.add(new Target(this.host.keyQueue(this.queue, key), key));
				any = true;
			}
		}
		if (any) {
			subscribe();
		}
	}

	/** The key's expiry closed and its queue stays: consume it again if this session paused it. */
	void resumeAfterExpiry(String key) {
		this.lock.lock();
		try {
			if (this.pausedKeys.remove(key)) {
				this.toConsume.add(new Target(this.host.keyQueue(this.queue, key), key));
				subscribe();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The key's queue was deleted: a later announcement of the key brings it back. */
	void expired(String key) {
		this.lock.lock();
		try {
			this.pausedKeys.remove(key);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** RabbitMQ cancelled a consumer: its queue was deleted. */
	void consumerCancelled(long generation, String tag) {
		this.lock.lock();
		try {
			if (generation == this.session.generation()) {
				Consumed consumed = this.consumers.remove(tag);
				if (consumed != null) {
					this.consumedQueues.remove(consumed.rabbitQueue());
					// The key queue was deleted. If a producer re-declared it already (its
					// announcement may have come first), consume it again; otherwise the
					// producer's announcement will.
					boolean retryQueue = consumed.rabbitQueue().equals(this.host.retryQueue(this.queue));
					if (!retryQueue && !this.session.closed()) {
						this.cancelled.add(consumed.target());
						subscribe();
					}
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** A consumer of one of the session's channels: a key queue (with its key) or the retry queue. */
	private record Consumed(Channel channel, Target target, @Nullable KeySource source) {

		String rabbitQueue() {
			return this.target.rabbitQueue();
		}

	}

	/** A queue to consume: a key's queue (with its key), a shard or the retry queue (no key). */
	private record Target(String rabbitQueue, @Nullable String key) {
	}

}
