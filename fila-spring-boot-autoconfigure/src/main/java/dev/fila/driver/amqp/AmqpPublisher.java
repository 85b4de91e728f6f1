package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaException;
import dev.fila.driver.DeadLetterHeaders;
import dev.fila.driver.ErrorHeader;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpChannels.Publish;
import dev.fila.driver.amqp.AmqpMessages.Envelope;
import dev.fila.driver.amqp.PublishedKeys.KeyWeight;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

/**
 * Publishing: messages to their key queues with publisher confirms and mandatory routing (a
 * message no queue took is published again after re-declaring its queue), retries through the
 * TTL queue of their delay, dead letters to the dead-letter queue, and copies of deliveries
 * that go back to their queue with an exact attempt count.
 */
final class AmqpPublisher {

	private static final Logger logger = LoggerFactory.getLogger(AmqpPublisher.class);

	private static final int PUBLISH_ATTEMPTS = 6;

	private final AmqpChannels channels;

	private final AmqpTopology topology;

	private final AmqpNames names;

	private final KeyLog keyLog;

	private final KeyExpiry keyExpiry;

	private final PublishedKeys publishedKeys;

	/** Creates a queue (a dead-letter queue on its first dead letter) as the driver does. */
	private final Consumer<QueueSpec> createQueue;

	AmqpPublisher(AmqpChannels channels, AmqpTopology topology, KeyLog keyLog, KeyExpiry keyExpiry,
			PublishedKeys publishedKeys, Consumer<QueueSpec> createQueue) {
		this.channels = channels;
		this.topology = topology;
		this.names = topology.names();
		this.keyLog = keyLog;
		this.keyExpiry = keyExpiry;
		this.publishedKeys = publishedKeys;
		this.createQueue = createQueue;
	}

	/**
	 * Publishes messages to their key queues, declaring (and announcing) keys this instance has
	 * not declared yet, and publishing again what came back unroutable.
	 */
	void publishToKeys(String queue, List<Envelope> envelopes) {
		Set<String> declared = this.publishedKeys.declared(queue);
		Map<String, KeyWeight> keyWeights = this.publishedKeys.weights(queue);
		List<Envelope> pending = envelopes;
		for (int attempt = 1; !pending.isEmpty(); attempt++) {
			List<Envelope> batch = pending;
			Set<String> returned;
			try {
				if (this.topology.sharded()) {
					announceShardedKeys(queue, batch, declared);
				}
				Set<String> viaRetryQueue = this.keyExpiry.enabled() ? leaseKeys(queue, batch) : Set.of();
				returned = this.channels.with((channel) -> {
					List<Publish> publishes = new ArrayList<>(batch.size() + 1);
					Set<String> newKeys = new LinkedHashSet<>();
					// A batch usually holds few keys: name each key queue once, not per message.
					Map<String, String> keyQueues = new HashMap<>();
					Set<String> declaredNow = new HashSet<>();
					for (Envelope envelope : batch) {
						String key = envelope.scheduling().fairnessKey();
						if (viaRetryQueue.contains(key)) {
							keyQueues.putIfAbsent(key, this.names.retryQueue(queue));
							continue;
						}
						String keyQueue = keyQueues.computeIfAbsent(key, (name) -> this.topology.keyQueue(queue, name));
						if (!declared.contains(key) && newKeys.add(key)) {
							if (declaredNow.add(keyQueue)) {
								channel.channel().queueDeclare(keyQueue, true, false, false,
										this.topology.keyQueueArguments(queue));
							}
							// With expiry on, leaseKeys published the key records already.
							if (!this.topology.sharded() && !this.keyExpiry.enabled()) {
								publishes.add(KeyLogRecords.keyRecord(this.names.keyLog(), queue, key));
							}
						}
					}
					for (Envelope envelope : byKeyQueue(batch, keyQueues)) {
						publishes.add(new Publish(keyQueues.get(envelope.scheduling().fairnessKey()),
								AmqpMessages.properties(envelope), envelope.payload()));
					}
					Set<String> back = channel.publish(publishes);
					declared.addAll(newKeys);
					for (String key : newKeys) {
						this.keyLog.learn(queue, key);
					}
					return back;
				});
			}
			catch (FilaException ex) {
				if (attempt >= PUBLISH_ATTEMPTS) {
					throw ex;
				}
				logger.debug("Queue {}: publish failed ({}), retrying", queue, ex.getMessage());
				pause(attempt);
				continue;
			}
			long published = System.nanoTime();
			for (Envelope envelope : batch) {
				keyWeights.put(envelope.scheduling().fairnessKey(),
						new KeyWeight(envelope.scheduling().weight(), published));
			}
			pending = new ArrayList<>();
			for (Envelope envelope : batch) {
				if (returned.contains(envelope.id())) {
					pending.add(envelope);
					declared.remove(envelope.scheduling().fairnessKey());
					// Declared again with a new lease, whose key record brings the consumers back.
					this.keyExpiry.forget(queue, envelope.scheduling().fairnessKey());
				}
			}
			if (!pending.isEmpty()) {
				// A key queue was deleted under us; if the Fila queue went with it, say so.
				this.topology.forgetQueue(queue);
				this.topology.requireQueue(queue);
				if (attempt >= PUBLISH_ATTEMPTS) {
					throw new FilaException("RabbitMQ kept returning " + pending.size() + " messages to queue '"
							+ queue + "' as unroutable");
				}
			}
		}
	}

	/**
	 * With key shards, a key's shard is its place in the key log, so a key new to this instance
	 * is announced and the log read past its record before its first publish. Costs a confirmed
	 * publish and a log round trip per batch with new keys; if the log cannot be read in time,
	 * the keys fall back to their hash (see {@link AmqpTopology#keyQueue}).
	 */
	private void announceShardedKeys(String queue, List<Envelope> batch, Set<String> declared) {
		Set<String> newKeys = new LinkedHashSet<>();
		for (Envelope envelope : batch) {
			String key = envelope.scheduling().fairnessKey();
			if (!declared.contains(key) && this.keyLog.ordinal(queue, key) == null) {
				newKeys.add(key);
			}
		}
		if (newKeys.isEmpty() || this.keyLog.keysFull(queue)) {
			return;
		}
		List<Publish> records = new ArrayList<>(newKeys.size());
		for (String key : newKeys) {
			records.add(KeyLogRecords.keyRecord(this.names.keyLog(), queue, key));
		}
		this.channels.with((channel) -> channel.publish(records));
		try {
			this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		}
		catch (FilaException ex) {
			logger.warn("Queue {}: the key log was not read in time ({}); {} new keys take the shard of their hash",
					queue, ex.getMessage(), newKeys.size());
		}
	}

	/**
	 * Takes a lease on the key queues of a batch's keys that this instance holds none on: publishes
	 * their key records, reads the log past them, and keeps the keys that some instance is
	 * expiring meanwhile off their key queues (see {@link KeyExpiry}).
	 * @return the keys whose messages go to the retry queue this time
	 */
	private Set<String> leaseKeys(String queue, List<Envelope> batch) {
		Set<String> unleased = new LinkedHashSet<>();
		for (Envelope envelope : batch) {
			String key = envelope.scheduling().fairnessKey();
			if (!this.keyExpiry.leased(queue, key)) {
				unleased.add(key);
			}
		}
		if (unleased.isEmpty()) {
			return Set.of();
		}
		List<Publish> records = new ArrayList<>(unleased.size());
		for (String key : unleased) {
			records.add(KeyLogRecords.keyRecord(this.names.keyLog(), queue, key));
		}
		long start = this.keyExpiry.now();
		this.channels.with((channel) -> channel.publish(records));
		try {
			this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		}
		catch (FilaException ex) {
			// The retry queue never expires: safe, at the cost of fairness for this batch.
			logger.warn("Queue {}: the key log was not read in time ({}); {} keys go through the retry queue", queue,
					ex.getMessage(), unleased.size());
			return unleased;
		}
		Set<String> viaRetryQueue = new HashSet<>();
		for (String key : unleased) {
			if (!this.keyExpiry.lease(queue, key, start)) {
				viaRetryQueue.add(key);
			}
		}
		return viaRetryQueue;
	}

	/**
	 * A batch's messages grouped by the RabbitMQ queue they go to, each queue's in their order.
	 * Why: a classic queue syncs and confirms whenever its mailbox runs empty, so messages
	 * interleaved across key queues made every queue confirm nearly message by message.
	 */
	static List<Envelope> byKeyQueue(List<Envelope> batch, Map<String, String> keyQueues) {
		if (keyQueues.size() <= 1) {
			return batch;
		}
		Map<String, List<Envelope>> grouped = new LinkedHashMap<>();
		for (Envelope envelope : batch) {
			grouped.computeIfAbsent(keyQueues.get(envelope.scheduling().fairnessKey()), (name) -> new ArrayList<>())
				.add(envelope);
		}
		List<Envelope> ordered = new ArrayList<>(batch.size());
		grouped.values().forEach(ordered::addAll);
		return ordered;
	}

	private static void pause(int attempt) {
		try {
			Thread.sleep(Math.min(2000, 50L << attempt));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FilaException("Interrupted while publishing to RabbitMQ", ex);
		}
	}

	/**
	 * Publishes what a failed delivery becomes: a retry (at once, or after its delay) or a dead
	 * letter. The caller acks the delivery after, or gives it back if this throws.
	 */
	void failed(LeasedMessage message, Delivery delivery, FailureDecision decision, String error) {
		if (decision instanceof FailureDecision.Retry retry) {
			Envelope again = delivery.envelope.withPriorAttempts(delivery.attempts);
			if (retry.delay().isZero()) {
				publishToKeys(message.queue(), List.of(again));
			}
			else {
				publishDelayed(message.queue(), List.of(again), List.of(retry.delay()));
			}
		}
		else {
			deadLetter(message, delivery, error);
		}
	}

	/**
	 * Publishes messages into the TTL queues of their delays (a retry's, or a delayed
	 * enqueue's), which dead-letter them into the retry queue when the delay is over. A delay is
	 * rounded up to its {@linkplain AmqpNames#delayBucket bucket}, so a message is never due early.
	 */
	void publishDelayed(String queue, List<Envelope> envelopes, List<Duration> delays) {
		Map<Long, List<Envelope>> byBucket = new LinkedHashMap<>();
		for (int i = 0; i < envelopes.size(); i++) {
			long millis = AmqpNames.delayBucket(OutgoingMessage.millisRoundedUp(delays.get(i)));
			byBucket.computeIfAbsent(millis, (bucket) -> new ArrayList<>()).add(envelopes.get(i));
		}
		byBucket.forEach((millis, bucket) -> publishDelayed(queue, bucket, millis));
	}

	private void publishDelayed(String queue, List<Envelope> envelopes, long millis) {
		String delayQueue = this.names.delayQueue(queue, millis);
		// RabbitMQ takes an x-expires of at most 2^31-1 ms; delays are at most 24 days, so the
		// queue still outlives its messages by hours at the longest delay.
		long expires = Math.min(2 * millis + TimeUnit.MINUTES.toMillis(10), Integer.MAX_VALUE);
		Map<Long, Long> declaredDelays = this.publishedKeys.declaredDelays(queue);
		List<Envelope> pending = envelopes;
		for (int attempt = 1; !pending.isEmpty(); attempt++) {
			List<Envelope> batch = pending;
			try {
				Set<String> returned = this.channels.with((channel) -> {
					List<Publish> publishes = new ArrayList<>(batch.size() + 1);
					Long declaredAt = declaredDelays.get(millis);
					// Re-declaring resets x-expires, so a delay queue in use never expires with messages in it.
					boolean declare = declaredAt == null
							|| System.nanoTime() - declaredAt > TimeUnit.MILLISECONDS.toNanos(expires / 4);
					if (declare) {
						channel.channel().queueDeclare(delayQueue, true, false, false,
								this.topology.delayQueueArguments(queue, millis, expires));
						publishes.add(KeyLogRecords.delayRecord(this.names.keyLog(), queue, millis));
					}
					for (Envelope envelope : batch) {
						publishes.add(new Publish(delayQueue, AmqpMessages.properties(envelope), envelope.payload()));
					}
					Set<String> back = channel.publish(publishes);
					if (declare) {
						declaredDelays.put(millis, System.nanoTime());
						this.keyLog.learnDelay(queue, millis);
					}
					return back;
				});
				pending = batch.stream().filter((envelope) -> returned.contains(envelope.id())).toList();
				if (!pending.isEmpty()) {
					declaredDelays.remove(millis);
				}
			}
			catch (FilaException ex) {
				if (attempt >= PUBLISH_ATTEMPTS) {
					throw ex;
				}
				pause(attempt);
			}
		}
		long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		for (Envelope envelope : envelopes) {
			this.publishedKeys.delayed(queue, envelope.scheduling().fairnessKey(), due);
		}
	}

	private void deadLetter(LeasedMessage message, Delivery delivery, String error) {
		QueueSpec spec = this.topology.spec(message.queue());
		if (!spec.deadLetter()) {
			logger.warn("Dropped message {} from queue '{}' after {} attempts: the queue has no dead-letter queue ({})",
					message.id(), message.queue(), message.attempts(), ErrorHeader.value(error));
			return;
		}
		String dlq = spec.deadLetterQueue();
		if (!this.topology.queueExists(dlq)) {
			this.createQueue.accept(new QueueSpec(dlq, spec.visibilityTimeout(), spec.quantum(), false));
		}
		Map<String, String> headers = DeadLetterHeaders.added(delivery.envelope.headers(), message, error);
		Envelope dead = new Envelope(delivery.envelope.id(), headers, delivery.envelope.payload(),
				delivery.envelope.scheduling(), 0, delivery.envelope.enqueuedAt());
		publishToKeys(dlq, List.of(dead));
	}

	/** Publishes dead letters back to their source queue, as they were before they failed. */
	void redrive(String source, List<LeasedMessage> deadLetters) {
		List<Envelope> envelopes = new ArrayList<>(deadLetters.size());
		for (LeasedMessage message : deadLetters) {
			envelopes.add(new Envelope(message.id(), DeadLetterHeaders.removed(message.headers()), message.payload(),
					new Scheduling(message.fairnessKey(), message.weight(), message.throttleKeys(),
							message.priority()), 0,
					message.enqueuedAt().toEpochMilli()));
		}
		publishToKeys(source, envelopes);
	}

	/**
	 * Publishes copies of deliveries to their key queues, then acks the originals: how a
	 * message goes back to its queue with an exact attempt count (RabbitMQ's own requeue would
	 * only flag it as redelivered).
	 * @param countAttempt whether the delivery counts as an attempt (an expired lease does; a
	 * buffered message that was never handed out does not)
	 */
	void republish(String queue, Collection<Delivery> deliveries, boolean countAttempt) {
		List<Envelope> envelopes = new ArrayList<>(deliveries.size());
		for (Delivery delivery : deliveries) {
			envelopes.add(delivery.envelope.withPriorAttempts(countAttempt ? delivery.attempts : delivery.attempts - 1));
		}
		try {
			publishToKeys(queue, envelopes);
		}
		catch (RuntimeException ex) {
			logger.warn("Queue {}: could not republish {} messages ({}); RabbitMQ will requeue them", queue,
					deliveries.size(), ex.getMessage());
			deliveries.forEach(Delivery::reject);
			return;
		}
		deliveries.forEach(Delivery::ack);
	}

}
