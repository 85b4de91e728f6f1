package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaException;
import dev.fila.core.FilaHeaders;
import dev.fila.core.KeyStats;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.driver.ErrorHeader;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.MessageIds;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.amqp.AmqpChannels.Publish;
import dev.fila.driver.amqp.AmqpMessages.Envelope;
import dev.fila.driver.amqp.QueueSession.Delivery;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;
import dev.fila.scheduling.TokenBuckets;

/**
 * The RabbitMQ driver. Each Fila queue is a set of RabbitMQ queues, one per fairness key, so
 * that a consumer can choose across keys instead of taking whatever a single FIFO queue hands
 * it; see {@link AmqpNames} for the layout and {@link QueueSession} for how consumption works.
 * Publishing uses publisher confirms and mandatory routing: {@link #enqueue} returns only when
 * RabbitMQ has taken every message, and a message no queue took (its key queue was deleted)
 * is published again after re-declaring the queue. Retries wait in per-delay TTL queues that
 * dead-letter into the queue's retry queue, so no thread waits for them.
 * <p>
 * Throttles are this instance's token buckets: they hold across all consumers of this
 * application instance; several instances each allow the full rate.
 */
public class AmqpDriver implements FilaDriver {

	/** The driver type. */
	public static final String TYPE = "amqp";

	private static final Logger logger = LoggerFactory.getLogger(AmqpDriver.class);

	private static final int PUBLISH_ATTEMPTS = 6;

	private static final long IDLE_KEY_SCAN_NANOS = TimeUnit.SECONDS.toNanos(1);

	/**
	 * How long the RabbitMQ queues of a reply queue live unused (no consumer, no declare) before
	 * RabbitMQ deletes them ({@code x-expires}): the reply queues of a requester that died. A
	 * live request's are never unused: its requester consumes them until it deletes them. One
	 * value for every instance, because every declare of a queue must carry the same arguments
	 * (a responder declares the reply queue's key queue without knowing the request).
	 */
	static final Duration REPLY_QUEUE_EXPIRY = Duration.ofMinutes(5);

	/**
	 * Keys not published to for this long drop out of this instance's producer caches (declared
	 * key queues, weights for stats); publishing one again declares its queue again.
	 */
	static final Duration FORGET_KEYS_AFTER = Duration.ofMinutes(10);

	/** The longest between two looks for keys to forget. */
	private static final long MAX_KEY_PRUNE_NANOS = TimeUnit.SECONDS.toNanos(10);

	/**
	 * The driver's settings.
	 *
	 * @param prefix the prefix of the RabbitMQ queue names
	 * @param quorum whether to declare quorum queues
	 * @param keyPrefetch the most unacknowledged messages per key queue
	 * @param prefetchBudget how many messages a queue's keys may buffer together
	 * @param keyLogMaxBytes the retention of the key log stream, in bytes
	 * @param sessionIdleTimeout how long a queue is consumed after its last fetch
	 * @param keyShards the queues a Fila queue's keys are spread over; 0 for a queue per key
	 * @param keyIdleExpiry how long an empty key queue stays unused before it is deleted; 0 for never
	 */
	public record Options(String prefix, boolean quorum, int keyPrefetch, int prefetchBudget, long keyLogMaxBytes,
			Duration sessionIdleTimeout, int keyShards, Duration keyIdleExpiry) {

		/** The defaults. */
		public static final Options DEFAULTS = new Options("fila", false, 50, 2000, 64L << 20, Duration.ofSeconds(30),
				0, Duration.ofHours(1));

		/** The most key shards a queue may have. */
		public static final int MAX_KEY_SHARDS = 1024;

		/**
		 * The default number of key shards: none (a queue per key) on classic queues, 16 on quorum
		 * queues, where every queue is a Raft group on every node and thousands of them do not
		 * scale (see docs/scaling.md).
		 */
		public static int defaultKeyShards(boolean quorum) {
			return quorum ? 16 : 0;
		}

		/** Whether keys are spread over a bounded set of shard queues. */
		boolean sharded() {
			return this.keyShards > 0;
		}

		/** @return these options with another queue name prefix */
		public Options withPrefix(String prefix) {
			return new Options(prefix, this.quorum, this.keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with quorum queues or classic ones */
		public Options withQuorum(boolean quorum) {
			return new Options(this.prefix, quorum, this.keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another per-key prefetch */
		public Options withKeyPrefetch(int keyPrefetch) {
			return new Options(this.prefix, this.quorum, keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another prefetch budget */
		public Options withPrefetchBudget(int prefetchBudget) {
			return new Options(this.prefix, this.quorum, this.keyPrefetch, prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another key log retention */
		public Options withKeyLogMaxBytes(long keyLogMaxBytes) {
			return new Options(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget, keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another session idle timeout */
		public Options withSessionIdleTimeout(Duration sessionIdleTimeout) {
			return new Options(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					sessionIdleTimeout, this.keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another number of key shards */
		public Options withKeyShards(int keyShards) {
			return new Options(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, keyShards, this.keyIdleExpiry);
		}

		/** @return these options with another key idle expiry */
		public Options withKeyIdleExpiry(Duration keyIdleExpiry) {
			return new Options(this.prefix, this.quorum, this.keyPrefetch, this.prefetchBudget, this.keyLogMaxBytes,
					this.sessionIdleTimeout, this.keyShards, keyIdleExpiry);
		}

	}

	private final String name;

	private final AmqpChannels channels;

	private final AmqpNames names;

	private final Options options;

	private final MessageLimits limits;

	private final KeyLog keyLog;

	private final TokenBuckets throttles = new TokenBuckets();

	private final Map<String, QueueSpec> specs = new ConcurrentHashMap<>();

	private final Set<String> knownQueues = ConcurrentHashMap.newKeySet();

	/** Key queues this instance declared, per Fila queue: publishing to them needs no declare. */
	private final Map<String, Set<String>> declaredKeys = new ConcurrentHashMap<>();

	/** Per Fila queue: the delay queues this instance declared, by delay, and when (nanoTime). */
	private final Map<String, Map<Long, Long>> declaredDelayQueues = new ConcurrentHashMap<>();

	private final Map<String, QueueSession> sessions = new ConcurrentHashMap<>();

	/** Per queue: counters that outlive sessions (a session closes when idle). */
	private final Map<String, QueueCounters> counters = new ConcurrentHashMap<>();

	/** Expired leases and throttle-limited selections of one queue in this instance. */
	record QueueCounters(LongAdder expiredLeases, LongAdder throttleLimited) {
	}

	/** Due times of retries this instance scheduled, per queue and key, for per-key stats. */
	private final Map<String, Map<String, ConcurrentLinkedQueue<Long>>> localDelays = new ConcurrentHashMap<>();

	/** Per queue and key: the weight last published, for stats, and when (forgotten when idle). */
	private final Map<String, Map<String, KeyWeight>> weights = new ConcurrentHashMap<>();

	private record KeyWeight(double weight, long publishedAt) {
	}

	private final Map<String, Object> keyQueueArguments;

	/** {@link #keyQueueArguments} with the {@code x-expires} of reply queues. */
	private volatile Map<String, Object> replyQueueArguments;

	private volatile long forgetKeysNanos = FORGET_KEYS_AFTER.toNanos();

	private final ScheduledExecutorService timer;

	/** Deletes idle key queues; disabled with key shards, whose queues are a fixed set. */
	private final KeyExpiry keyExpiry;

	/** When housekeeping last looked for idle key queues (timer thread only). */
	private long lastIdleKeyScan = System.nanoTime();

	/** When housekeeping last forgot due retries and idle keys (timer thread only). */
	private long lastDelayPrune = System.nanoTime();

	private long lastKeyPrune = System.nanoTime();

	public AmqpDriver(String name, ConnectionFactory connectionFactory, Options options) {
		this(name, connectionFactory, options, MessageLimits.DEFAULTS);
	}

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's RabbitMQ connection factory
	 * @param options the driver options
	 * @param limits the largest message the driver takes: headers must fit in one AMQP frame
	 * (at most 96 KiB with RabbitMQ's default {@code frame_max}, see docs/drivers/amqp.md)
	 */
	public AmqpDriver(String name, ConnectionFactory connectionFactory, Options options, MessageLimits limits) {
		this.name = name;
		this.limits = limits;
		this.options = options;
		this.channels = new AmqpChannels(connectionFactory, Duration.ofSeconds(30));
		this.names = new AmqpNames(options.prefix());
		this.keyLog = new KeyLog(this.channels, this.names.keyLog(), options.keyLogMaxBytes());
		if (options.sharded()) {
			this.keyLog.limitKeys(SHARD_PLACED_KEYS);
		}
		this.keyQueueArguments = options.quorum() ? Map.of("x-queue-type", "quorum") : Map.of();
		replyQueueExpiry(REPLY_QUEUE_EXPIRY);
		this.timer = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fila-amqp-" + name);
			thread.setDaemon(true);
			return thread;
		});
		// Not with shards (a fixed set of queues), nor on quorum queues, which RabbitMQ cannot
		// delete "if unused and empty", the condition that makes a delete safe.
		boolean expires = !options.sharded() && !options.quorum();
		this.keyExpiry = new KeyExpiry(expires ? options.keyIdleExpiry() : Duration.ZERO, this.channels, this.names,
				this.keyLog, this.timer);
		this.keyLog.listen(new KeyEvents());
		this.timer.scheduleWithFixedDelay(this::housekeeping, 100, 100, TimeUnit.MILLISECONDS);
		try {
			this.keyLog.declare();
		}
		catch (FilaException ex) {
			logger.warn("Driver '{}': could not declare the key log {} yet ({}); will retry", name,
					this.names.keyLog(), ex.getMessage());
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

	AmqpChannels channels() {
		return this.channels;
	}

	AmqpNames names() {
		return this.names;
	}

	KeyLog keyLog() {
		return this.keyLog;
	}

	TokenBuckets throttles() {
		return this.throttles;
	}

	/** The arguments of the RabbitMQ queues behind a Fila queue: reply queues expire unused. */
	Map<String, Object> keyQueueArguments(String queue) {
		return QueueSpec.isReplyQueue(queue) ? this.replyQueueArguments : this.keyQueueArguments;
	}

	/** Sets the {@code x-expires} of reply queues; {@link #REPLY_QUEUE_EXPIRY} but in tests. */
	void replyQueueExpiry(Duration expiry) {
		Map<String, Object> arguments = new HashMap<>(this.keyQueueArguments);
		arguments.put("x-expires", expiry.toMillis());
		this.replyQueueArguments = Map.copyOf(arguments);
	}

	/** Sets how long unused keys stay in producer caches; {@link #FORGET_KEYS_AFTER} but in tests. */
	void forgetKeysAfter(Duration idle) {
		this.forgetKeysNanos = idle.toNanos();
	}

	boolean sharded() {
		return this.options.sharded();
	}

	/**
	 * With key shards, how many keys of a queue get a shard by their place in the key log;
	 * later keys take the shard of their hash, so that what each instance keeps per key stays
	 * bounded (about 200 bytes a key) however many keys a queue has seen.
	 */
	static final int SHARD_PLACED_KEYS = 10_000;

	/**
	 * The RabbitMQ queue a key's messages go to: its own queue, or with {@code key-shards} its
	 * shard. A key's shard is its place among the queue's keys in the key log (round robin over
	 * the shards), so the first {@code key-shards} keys of a queue each have a shard of their
	 * own in every instance. A key whose record this instance has not read yet (the log could
	 * not be read in time), or that came after the first {@link #SHARD_PLACED_KEYS}, takes the
	 * shard of its hash: a shard chosen differently only costs
	 * fairness, never a message, because every consumer consumes every shard.
	 */
	String keyQueue(String queue, String key) {
		if (!this.options.sharded()) {
			return this.names.keyQueue(queue, key);
		}
		Integer ordinal = this.keyLog.ordinal(queue, key);
		int shard = Math.floorMod((ordinal != null) ? ordinal : key.hashCode(), this.options.keyShards());
		return this.names.shardQueue(queue, shard);
	}

	/** Every shard queue of a Fila queue; empty without {@code key-shards}. */
	List<String> shardQueues(String queue) {
		List<String> shards = new ArrayList<>(this.options.keyShards());
		for (int i = 0; i < this.options.keyShards(); i++) {
			shards.add(this.names.shardQueue(queue, i));
		}
		return shards;
	}

	/**
	 * The prefetch of the next key queue consumed: the whole per-key prefetch while a queue has
	 * few keys, less as keys add up, so that thousands of keys do not buffer millions of messages.
	 */
	int keyPrefetch(int consumedQueues) {
		return Math.max(1, Math.min(this.options.keyPrefetch(), this.options.prefetchBudget() / (consumedQueues + 1)));
	}

	QueueCounters counters(String queue) {
		return this.counters.computeIfAbsent(queue, (name) -> new QueueCounters(new LongAdder(), new LongAdder()));
	}

	/** Has a session's newly announced keys consumed on the timer thread. */
	void subscribe(QueueSession session) {
		execute(session::subscribeAnnounced);
	}

	/** Runs session work on the timer thread, unless the driver is closing. */
	void execute(Runnable work) {
		try {
			this.timer.execute(work);
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			// closing
		}
	}

	@Override
	public void createQueue(QueueSpec spec) {
		this.channels.with((channel) -> {
			this.keyLog.declare();
			Map<String, Object> arguments = keyQueueArguments(spec.name());
			channel.channel().queueDeclare(this.names.retryQueue(spec.name()), true, false, false, arguments);
			for (String shard : shardQueues(spec.name())) {
				channel.channel().queueDeclare(shard, true, false, false, arguments);
			}
			channel.publish(List.of(KeyLog.queueRecord(this.names.keyLog(), spec.name())));
			return null;
		});
		this.specs.put(spec.name(), spec);
		this.knownQueues.add(spec.name());
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
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		List<String> rabbitQueues = rabbitQueuesOf(queue);
		this.channels.with((channel) -> {
			for (String rabbitQueue : rabbitQueues) {
				channel.channel().queueDelete(rabbitQueue);
			}
			channel.publish(List.of(KeyLog.dropRecord(this.names.keyLog(), queue)));
			return null;
		});
		this.knownQueues.remove(queue);
		this.specs.remove(queue);
		this.declaredKeys.remove(queue);
		this.keyExpiry.forgetQueue(queue);
		this.localDelays.remove(queue);
		this.weights.remove(queue);
		this.counters.remove(queue);
		this.declaredDelayQueues.remove(queue);
		return true;
	}

	@Override
	public List<String> listQueues() {
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		Set<String> candidates = new LinkedHashSet<>(this.keyLog.queueNames());
		candidates.addAll(this.knownQueues);
		List<String> existing = new ArrayList<>();
		for (String queue : candidates) {
			if (QueueSpec.isReplyQueue(queue) && !this.specs.containsKey(queue)) {
				// Another instance's, maybe of a requester that died: asking RabbitMQ about a queue
				// counts as using it, which would keep its x-expires from ever running out.
				continue;
			}
			if (this.channels.readyCount(this.names.retryQueue(queue)) >= 0) {
				existing.add(queue);
			}
		}
		existing.sort(null);
		return existing;
	}

	@Override
	public boolean queueExists(String queue) {
		if (this.knownQueues.contains(queue)) {
			return true;
		}
		if (this.channels.readyCount(this.names.retryQueue(queue)) >= 0) {
			this.knownQueues.add(queue);
			return true;
		}
		return false;
	}

	private void requireQueue(String queue) {
		if (!queueExists(queue)) {
			throw new QueueNotFoundException(queue);
		}
	}

	private QueueSpec spec(String queue) {
		return this.specs.getOrDefault(queue, new QueueSpec(queue, Duration.ofSeconds(30), 1,
				!QueueSpec.isDeadLetterQueue(queue)));
	}

	@Override
	public List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		this.limits.check(this, queue, messages);
		requireQueue(queue);
		long now = System.currentTimeMillis();
		List<Envelope> envelopes = new ArrayList<>(messages.size());
		List<String> ids = new ArrayList<>(messages.size());
		for (OutgoingMessage message : messages) {
			String id = MessageIds.next();
			ids.add(id);
			envelopes.add(new Envelope(id, message.headers(), message.payload(), message.scheduling(), 0, now));
		}
		publishToKeys(queue, envelopes);
		return ids;
	}

	/**
	 * Publishes messages to their key queues, declaring (and announcing) keys this instance has
	 * not declared yet, and publishing again what came back unroutable.
	 */
	void publishToKeys(String queue, List<Envelope> envelopes) {
		Set<String> declared = this.declaredKeys.computeIfAbsent(queue, (name) -> ConcurrentHashMap.newKeySet());
		Map<String, KeyWeight> keyWeights = this.weights.computeIfAbsent(queue, (name) -> new ConcurrentHashMap<>());
		List<Envelope> pending = envelopes;
		for (int attempt = 1; !pending.isEmpty(); attempt++) {
			List<Envelope> batch = pending;
			Set<String> returned;
			try {
				if (this.options.sharded()) {
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
						String keyQueue = keyQueues.computeIfAbsent(key, (name) -> keyQueue(queue, name));
						if (!declared.contains(key) && newKeys.add(key)) {
							if (declaredNow.add(keyQueue)) {
								channel.channel().queueDeclare(keyQueue, true, false, false,
										keyQueueArguments(queue));
							}
							// With expiry on, leaseKeys published the key records already.
							if (!this.options.sharded() && !this.keyExpiry.enabled()) {
								publishes.add(KeyLog.keyRecord(this.names.keyLog(), queue, key));
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
				this.knownQueues.remove(queue);
				requireQueue(queue);
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
	 * the keys fall back to their hash (see {@link #keyQueue}).
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
			records.add(KeyLog.keyRecord(this.names.keyLog(), queue, key));
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
		long now = System.nanoTime();
		Set<String> unleased = new LinkedHashSet<>();
		for (Envelope envelope : batch) {
			String key = envelope.scheduling().fairnessKey();
			if (!this.keyExpiry.leased(queue, key, now)) {
				unleased.add(key);
			}
		}
		if (unleased.isEmpty()) {
			return Set.of();
		}
		List<Publish> records = new ArrayList<>(unleased.size());
		for (String key : unleased) {
			records.add(KeyLog.keyRecord(this.names.keyLog(), queue, key));
		}
		long start = System.nanoTime();
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
			if (this.keyLog.expiring(queue, key)) {
				viaRetryQueue.add(key);
				this.keyExpiry.counts(queue).detoured().increment();
			}
			else {
				this.keyExpiry.grant(queue, key, start);
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

	/** Publishes a retry into the TTL queue of its delay, which dead-letters it into the retry queue. */
	private void publishDelayed(String queue, Envelope envelope, Duration delay) {
		long millis = AmqpNames.delayBucket(delay.toMillis());
		String delayQueue = this.names.delayQueue(queue, millis);
		// RabbitMQ takes an x-expires of at most 2^31-1 ms; retry delays are at most 24 days, so the
		// queue still outlives its messages by hours at the longest delay.
		long expires = Math.min(2 * millis + TimeUnit.MINUTES.toMillis(10), Integer.MAX_VALUE);
		Map<Long, Long> declaredDelays = this.declaredDelayQueues.computeIfAbsent(queue,
				(name) -> new ConcurrentHashMap<>());
		for (int attempt = 1;; attempt++) {
			try {
				Set<String> returned = this.channels.with((channel) -> {
					List<Publish> publishes = new ArrayList<>(2);
					Long declaredAt = declaredDelays.get(millis);
					// Re-declaring resets x-expires, so a delay queue in use never expires with messages in it.
					boolean declare = declaredAt == null
							|| System.nanoTime() - declaredAt > TimeUnit.MILLISECONDS.toNanos(expires / 4);
					if (declare) {
						channel.channel().queueDeclare(delayQueue, true, false, false,
								delayQueueArguments(queue, millis, expires));
						publishes.add(KeyLog.delayRecord(this.names.keyLog(), queue, millis));
					}
					publishes.add(new Publish(delayQueue, AmqpMessages.properties(envelope), envelope.payload()));
					Set<String> back = channel.publish(publishes);
					if (declare) {
						declaredDelays.put(millis, System.nanoTime());
						this.keyLog.learnDelay(queue, millis);
					}
					return back;
				});
				if (!returned.contains(envelope.id())) {
					break;
				}
				declaredDelays.remove(millis);
			}
			catch (FilaException ex) {
				if (attempt >= PUBLISH_ATTEMPTS) {
					throw ex;
				}
				pause(attempt);
			}
		}
		long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		// Under the queue's entry, so that housekeeping never drops a key's times as one is added.
		this.localDelays.compute(queue, (name, perKey) -> {
			Map<String, ConcurrentLinkedQueue<Long>> keys = (perKey != null) ? perKey : new ConcurrentHashMap<>();
			keys.computeIfAbsent(envelope.scheduling().fairnessKey(), (key) -> new ConcurrentLinkedQueue<>()).add(due);
			return keys;
		});
	}

	private Map<String, Object> delayQueueArguments(String queue, long millis, long expires) {
		Map<String, Object> arguments = new HashMap<>(this.keyQueueArguments);
		arguments.put("x-message-ttl", millis);
		arguments.put("x-dead-letter-exchange", "");
		arguments.put("x-dead-letter-routing-key", this.names.retryQueue(queue));
		arguments.put("x-expires", expires);
		if (this.options.quorum()) {
			arguments.put("x-dead-letter-strategy", "at-least-once");
			arguments.put("x-overflow", "reject-publish");
		}
		return arguments;
	}

	@Override
	public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		return session(queue).fetch(max, maxWait);
	}

	private QueueSession session(String queue) {
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			return session;
		}
		requireQueue(queue);
		// Read the key log up to now, so the new session consumes every key announced so far.
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		return this.sessions.computeIfAbsent(queue, (name) -> new QueueSession(this, spec(name)));
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
		return (session != null) ? session.settle(message) : null;
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
			if (decision instanceof FailureDecision.Retry retry) {
				Envelope again = delivery.envelope.withPriorAttempts(delivery.attempts);
				if (retry.delay().isZero()) {
					publishToKeys(message.queue(), List.of(again));
				}
				else {
					publishDelayed(message.queue(), again, retry.delay());
				}
			}
			else {
				deadLetter(message, delivery, error);
			}
		}
		catch (RuntimeException ex) {
			// Not settled: give the message back to RabbitMQ rather than lose it.
			delivery.reject();
			throw ex;
		}
		return delivery.ack();
	}

	private void deadLetter(LeasedMessage message, Delivery delivery, String error) {
		QueueSpec spec = spec(message.queue());
		if (!spec.deadLetter()) {
			logger.warn("Dropped message {} from queue '{}' after {} attempts: the queue has no dead-letter queue ({})",
					message.id(), message.queue(), message.attempts(), ErrorHeader.value(error));
			return;
		}
		String dlq = spec.deadLetterQueue();
		if (!queueExists(dlq)) {
			createQueue(new QueueSpec(dlq, spec.visibilityTimeout(), spec.quantum(), false));
		}
		Map<String, String> headers = new LinkedHashMap<>(delivery.envelope.headers());
		headers.put(FilaHeaders.ATTEMPTS, Integer.toString(message.attempts()));
		headers.put(FilaHeaders.ERROR, ErrorHeader.value(error));
		headers.put(FilaHeaders.SOURCE_QUEUE, message.queue());
		Envelope dead = new Envelope(delivery.envelope.id(), Map.copyOf(headers), delivery.envelope.payload(),
				delivery.envelope.scheduling(), 0, delivery.envelope.enqueuedAt());
		publishToKeys(dlq, List.of(dead));
	}

	@Override
	public boolean release(LeasedMessage message) {
		QueueSession session = this.sessions.get(message.queue());
		return session != null && session.release(message);
	}

	@Override
	public boolean extendLease(LeasedMessage message, Duration duration) {
		QueueSession session = this.sessions.get(message.queue());
		return session != null && session.extendLease(message, duration);
	}

	@Override
	public QueueStats stats(String queue) {
		requireQueue(queue);
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			// Count what RabbitMQ already pushed to this instance as buffered, not as lost.
			session.barrier();
		}
		Map<String, QueueSession.KeyCounts> local = (session != null) ? session.localCounts() : Map.of();
		Map<String, KeyWeight> keyWeights = this.weights.getOrDefault(queue, Map.of());
		Map<String, ConcurrentLinkedQueue<Long>> delays = this.localDelays.getOrDefault(queue, Map.of());
		Set<String> keys = new LinkedHashSet<>(keysOf(queue));
		keys.addAll(local.keySet());
		long now = System.nanoTime();
		long pending = 0;
		long inFlight = 0;
		// A shard shared by several keys cannot tell whose its ready messages are: they count
		// for the queue, and for a key only when the shard is the key's alone.
		Map<String, List<String>> keysByQueue = new LinkedHashMap<>();
		for (String key : keys) {
			keysByQueue.computeIfAbsent(keyQueue(queue, key), (name) -> new ArrayList<>()).add(key);
		}
		Map<String, Long> readyByQueue = new HashMap<>();
		for (String rabbitQueue : this.options.sharded() ? shardQueues(queue) : keysByQueue.keySet()) {
			long ready = Math.max(0, this.channels.readyCount(rabbitQueue));
			readyByQueue.put(rabbitQueue, ready);
			pending += ready;
		}
		List<KeyStats> keyStats = new ArrayList<>();
		for (Map.Entry<String, List<String>> keysOfQueue : keysByQueue.entrySet()) {
			for (String key : keysOfQueue.getValue()) {
				boolean alone = keysOfQueue.getValue().size() == 1;
				long ready = alone ? readyByQueue.getOrDefault(keysOfQueue.getKey(), 0L) : 0;
				QueueSession.KeyCounts held = local.get(key);
				long buffered = (held != null) ? held.buffered() : 0;
				long keyPending = ready + buffered;
				long keyInFlight = (held != null) ? held.inFlight() : 0;
				long keyDelayed = countDue(delays.get(key), now);
				pending += buffered;
				inFlight += keyInFlight;
				if (keyPending + keyInFlight + keyDelayed > 0) {
					KeyWeight published = keyWeights.get(key);
					double weight = (held != null) ? held.weight() : (published != null) ? published.weight() : 1.0;
					keyStats.add(new KeyStats(key, keyPending, keyInFlight, keyDelayed, weight));
				}
			}
		}
		long delayed = Math.max(0, this.channels.readyCount(this.names.retryQueue(queue)));
		for (long delay : delaysOf(queue)) {
			delayed += Math.max(0, this.channels.readyCount(this.names.delayQueue(queue, delay)));
		}
		keyStats.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
		return new QueueStats(queue, this.name, pending, inFlight, delayed, keyStats);
	}

	private static long countDue(@Nullable ConcurrentLinkedQueue<Long> dueTimes, long now) {
		if (dueTimes == null) {
			return 0;
		}
		dueTimes.removeIf((due) -> due - now <= 0);
		return dueTimes.size();
	}

	/** Every RabbitMQ queue behind a Fila queue that this instance knows of: keys, delays, retry. */
	private List<String> rabbitQueuesOf(String queue) {
		Set<String> rabbitQueues = new LinkedHashSet<>(shardQueues(queue));
		for (String key : keysOf(queue)) {
			rabbitQueues.add(keyQueue(queue, key));
		}
		for (long delay : delaysOf(queue)) {
			rabbitQueues.add(this.names.delayQueue(queue, delay));
		}
		rabbitQueues.add(this.names.retryQueue(queue));
		return new ArrayList<>(rabbitQueues);
	}

	private Set<String> keysOf(String queue) {
		Set<String> keys = new LinkedHashSet<>(this.keyLog.keys(queue));
		keys.addAll(this.declaredKeys.getOrDefault(queue, Set.of()));
		return keys;
	}

	private Set<Long> delaysOf(String queue) {
		return new LinkedHashSet<>(this.keyLog.delays(queue));
	}

	@Override
	public int redrive(String deadLetterQueue, int count) {
		requireQueue(deadLetterQueue);
		String source = QueueSpec.sourceQueueOf(deadLetterQueue);
		requireQueue(source);
		long target = Math.min(count, stats(deadLetterQueue).pending());
		int moved = 0;
		try {
			while (moved < target) {
				List<LeasedMessage> batch = fetch(deadLetterQueue, (int) Math.min(100, target - moved),
						Duration.ofSeconds(2));
				if (batch.isEmpty()) {
					break;
				}
				List<Envelope> envelopes = new ArrayList<>(batch.size());
				for (LeasedMessage message : batch) {
					Map<String, String> headers = new LinkedHashMap<>(message.headers());
					headers.remove(FilaHeaders.ATTEMPTS);
					headers.remove(FilaHeaders.ERROR);
					headers.remove(FilaHeaders.SOURCE_QUEUE);
					envelopes.add(new Envelope(message.id(), Map.copyOf(headers), message.payload(),
							new Scheduling(message.fairnessKey(), message.weight(), message.throttleKeys()), 0,
							message.enqueuedAt().toEpochMilli()));
				}
				publishToKeys(source, envelopes);
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

	@Override
	public long purge(String queue) {
		requireQueue(queue);
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
			removed += purgeRabbitQueues(queue);
		}
		finally {
			if (session != null) {
				session.resume();
			}
		}
		this.localDelays.remove(queue);
		return removed;
	}

	private long purgeRabbitQueues(String queue) {
		long removed = 0;
		List<String> rabbitQueues = rabbitQueuesOf(queue);
		for (String rabbitQueue : rabbitQueues) {
			if (this.channels.readyCount(rabbitQueue) > 0) {
				removed += this.channels.with((channel) -> channel.channel().queuePurge(rabbitQueue).getMessageCount());
			}
		}
		return removed;
	}

	@Override
	public void setThrottle(String key, double rate, long burst) {
		this.throttles.set(key, rate, burst, System.nanoTime());
	}

	@Override
	public long expiredLeases(String queue) {
		QueueCounters counters = this.counters.get(queue);
		return (counters != null) ? counters.expiredLeases().sum() : 0;
	}

	@Override
	public long throttleLimited(String queue) {
		QueueCounters counters = this.counters.get(queue);
		return (counters != null) ? counters.throttleLimited().sum() : 0;
	}

	/**
	 * Sizes of this instance's state per queue and per key, for tests: each map with how many
	 * entries it holds, nested entries included.
	 */
	Map<String, Integer> footprint() {
		Map<String, Integer> sizes = new TreeMap<>();
		sizes.put("sessions", this.sessions.size());
		int sessionKeys = 0;
		for (QueueSession session : this.sessions.values()) {
			sessionKeys += session.localCounts().size();
		}
		sizes.put("sessionKeys", sessionKeys);
		sizes.put("knownQueues", this.knownQueues.size());
		sizes.put("specs", this.specs.size());
		sizes.put("counters", this.counters.size());
		sizes.put("declaredKeys", nestedSize(this.declaredKeys));
		sizes.put("weights", nestedSize(this.weights));
		int delays = this.localDelays.size();
		for (Map<String, ConcurrentLinkedQueue<Long>> perKey : this.localDelays.values()) {
			delays += perKey.size();
			for (ConcurrentLinkedQueue<Long> dueTimes : perKey.values()) {
				delays += dueTimes.size();
			}
		}
		sizes.put("localDelays", delays);
		sizes.put("declaredDelayQueues", this.declaredDelayQueues.size());
		return sizes;
	}

	private static int nestedSize(Map<String, ? extends Object> perQueue) {
		int size = perQueue.size();
		for (Object inner : perQueue.values()) {
			size += (inner instanceof Map<?, ?> map) ? map.size() : ((Collection<?>) inner).size();
		}
		return size;
	}

	/** How many key queues of a Fila queue this instance deleted as idle. */
	long expiredKeyQueues(String queue) {
		return this.keyExpiry.counts(queue).expired().sum();
	}

	/** What this instance's expiries of a queue's idle key queues did. */
	KeyExpiry.Counts keyExpiryCounts(String queue) {
		return this.keyExpiry.counts(queue);
	}

	/** Keeps sessions and producers in step with what the key log says about keys. */
	private final class KeyEvents implements KeyLog.Events {

		@Override
		public void announced(String queue, String key) {
			QueueSession session = AmqpDriver.this.sessions.get(queue);
			// Shards are all consumed from the start: a new key adds nothing to consume.
			if (session != null && !AmqpDriver.this.options.sharded()) {
				session.keyAnnounced(key);
			}
		}

		@Override
		public void expiring(String queue, String key) {
			QueueSession session = AmqpDriver.this.sessions.get(queue);
			if (session != null) {
				execute(() -> session.pauseForExpiry(key));
			}
		}

		@Override
		public void resumed(String queue, String key) {
			QueueSession session = AmqpDriver.this.sessions.get(queue);
			if (session != null) {
				session.resumeAfterExpiry(key);
			}
		}

		@Override
		public void expired(String queue, String key) {
			Set<String> declared = AmqpDriver.this.declaredKeys.get(queue);
			if (declared != null) {
				declared.remove(key);
			}
			AmqpDriver.this.keyExpiry.forget(queue, key);
			forgetKey(AmqpDriver.this.weights.get(queue), key);
			forgetKey(AmqpDriver.this.localDelays.get(queue), key);
			QueueSession session = AmqpDriver.this.sessions.get(queue);
			if (session != null) {
				session.expired(key);
			}
		}

		/**
		 * Forgets what this instance cached of a queue another instance (or this one) deleted:
		 * above all the reply queues this instance only replied to. Not the spec: this instance
		 * may have created the queue again since.
		 */
		@Override
		public void dropped(String queue) {
			AmqpDriver.this.knownQueues.remove(queue);
			AmqpDriver.this.declaredKeys.remove(queue);
			AmqpDriver.this.weights.remove(queue);
			AmqpDriver.this.keyExpiry.forgetQueue(queue);
		}

	}

	/** Forgets the due times of retries that are due: stats count only those still waiting. */
	private void forgetDueDelays(long now) {
		for (String queue : this.localDelays.keySet()) {
			this.localDelays.computeIfPresent(queue, (name, perKey) -> {
				perKey.values().removeIf((dueTimes) -> countDue(dueTimes, now) == 0);
				return perKey.isEmpty() ? null : perKey;
			});
		}
	}

	/**
	 * Forgets keys no producer of this instance published to for a while (thousands of keys
	 * come and go, above all with key shards or quorum queues, where key queues never expire):
	 * their weight (stats fall back to the consumer's, or 1) and that their queue was declared
	 * (declared again at the next publish, an idempotent round trip). A key with a retry still
	 * to come stays.
	 */
	private void forgetIdleKeys(long now) {
		for (Map.Entry<String, Map<String, KeyWeight>> perQueue : this.weights.entrySet()) {
			String queue = perQueue.getKey();
			Map<String, KeyWeight> keyWeights = perQueue.getValue();
			Set<String> declared = this.declaredKeys.get(queue);
			Map<String, ConcurrentLinkedQueue<Long>> delays = this.localDelays.getOrDefault(queue, Map.of());
			for (Map.Entry<String, KeyWeight> key : keyWeights.entrySet()) {
				if (now - key.getValue().publishedAt() > this.forgetKeysNanos && !delays.containsKey(key.getKey())
						&& keyWeights.remove(key.getKey(), key.getValue()) && declared != null) {
					declared.remove(key.getKey());
				}
			}
			// A publish racing this may put into a map just removed: it loses a cached weight or
			// declare, nothing else.
			if (keyWeights.isEmpty()) {
				this.weights.remove(queue, keyWeights);
			}
			if (declared != null && declared.isEmpty()) {
				this.declaredKeys.remove(queue, declared);
			}
		}
	}

	private static void forgetKey(@Nullable Map<String, ?> perKey, String key) {
		if (perKey != null) {
			perKey.remove(key);
		}
	}

	@Override
	public void ping() {
		this.channels.ping();
	}

	/** Expires leases, closes idle sessions, and keeps the key log read. Runs on the timer. */
	private void housekeeping() {
		try {
			long idleNanos = this.options.sessionIdleTimeout().toNanos();
			// Once a second: a session with thousands of keys looks at each of them.
			long now = System.nanoTime();
			boolean scanIdleKeys = this.keyExpiry.enabled() && now - this.lastIdleKeyScan > IDLE_KEY_SCAN_NANOS;
			if (scanIdleKeys) {
				this.lastIdleKeyScan = now;
			}
			for (QueueSession session : this.sessions.values()) {
				List<Delivery> expired = session.takeExpiredLeases();
				if (!expired.isEmpty()) {
					logger.info("Queue {}: {} leases expired; delivering those messages again", session.queue(),
							expired.size());
					republish(session.queue(), expired, true);
				}
				if (session.isIdle(idleNanos)) {
					this.sessions.remove(session.queue(), session);
					closeSession(session);
				}
				else if (scanIdleKeys) {
					for (String key : session.idleKeys(this.keyExpiry.idleNanos)) {
						this.keyExpiry.start(session.queue(), key);
					}
				}
			}
			if (this.keyExpiry.enabled()) {
				this.keyLog.abandonStale(this.keyExpiry.abandonNanos);
			}
			if (now - this.lastDelayPrune > IDLE_KEY_SCAN_NANOS) {
				this.lastDelayPrune = now;
				forgetDueDelays(now);
			}
			if (now - this.lastKeyPrune > Math.min(MAX_KEY_PRUNE_NANOS, this.forgetKeysNanos)) {
				this.lastKeyPrune = now;
				forgetIdleKeys(now);
			}
			if (!this.sessions.isEmpty() && !this.keyLog.isRunning()) {
				this.keyLog.start();
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Driver '{}': housekeeping failed ({}); trying again shortly", this.name, ex.getMessage());
		}
	}

	/**
	 * Publishes copies of deliveries to their key queues, then acks the originals: how a
	 * message goes back to its queue with an exact attempt count (RabbitMQ's own requeue would
	 * only flag it as redelivered).
	 * @param countAttempt whether the delivery counts as an attempt (an expired lease does; a
	 * buffered message that was never handed out does not)
	 */
	private void republish(String queue, Collection<Delivery> deliveries, boolean countAttempt) {
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

	private void closeSession(QueueSession session) {
		List<Delivery> buffered = session.takeBuffered(true);
		if (!buffered.isEmpty()) {
			republish(session.queue(), buffered, false);
		}
		session.closeChannel();
	}

	@Override
	public void close() {
		this.timer.shutdownNow();
		this.keyExpiry.closeRunning();
		for (QueueSession session : this.sessions.values()) {
			closeSession(session);
		}
		this.sessions.clear();
		this.keyLog.close();
		this.channels.close();
	}

}
