package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.config.SettingsStore;
import dev.fila.core.FilaException;
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
import dev.fila.scheduling.FailureDecision;

/**
 * Queues in Redis, scheduled by server-side scripts: every operation (enqueue, a fetch that
 * runs deficit round robin and throttles and takes leases, ack, nack, redrive...) is one
 * atomic script, so any number of application instances share one consistent queue. Leases
 * and delays run on Redis time. All keys of a queue and of its dead-letter queue share one
 * hash tag. Idle consumers wait for a pub/sub notification, with a bounded wait.
 */
public class RedisDriver implements FilaDriver {

	/** The driver type name. */
	public static final String TYPE = "redis";

	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	/** Longest an idle fetch waits before asking Redis again, notification or not. */
	private static final long IDLE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final int MAX_CACHED_QUEUE_KEYS = 10_000;

	/**
	 * How often an instance deletes temporary queues past their deadline (reply queues of a
	 * requester that died): one script call, a few more when there is something to delete.
	 */
	static final Duration SWEEP_INTERVAL = Duration.ofSeconds(60);

	/** Most temporary queues one sweep deletes; more wait for the next. */
	private static final int MAX_SWEPT = 100;

	/** Most acks sent in one script call; larger batches are split. */
	private static final int MAX_BATCH = 500;

	/**
	 * Messages one purge or delete script call removes at most: the scripts work in chunks so
	 * that a large queue never blocks Redis (a chunk takes a few milliseconds).
	 */
	static final int REMOVE_CHUNK = 1000;

	/** Messages one redrive script call moves at most (each is read, rewritten and queued). */
	static final int REDRIVE_CHUNK = 500;

	private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
	};

	private static final byte[] EMPTY_JSON_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

	private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
	};

	private final String name;

	private final RedisConnectionFactory connectionFactory;

	private final String keyPrefix;

	private final MessageLimits limits;

	private final JsonMapper json = JsonMapper.builder().build();

	private final QueueSignals signals;

	private final Map<String, QueueSpec> createdQueues = new ConcurrentHashMap<>();

	private final Map<String, QueueKeys> queueKeys = new ConcurrentHashMap<>();

	/** On Redis Cluster with Lettuce: a sharded notification channel per queue (see ShardedQueueSignals). */
	private final boolean sharded;

	private final byte[] throttlePrefix;

	/** Fetch scripts that reported a throttle holding a message back, by queue (this instance only). */
	private final Map<String, LongAdder> throttleLimited = new ConcurrentHashMap<>();

	private final RedisScripts create = RedisScripts.load("create");

	private final RedisScripts enqueue = RedisScripts.load("enqueue");

	private final RedisScripts fetch = RedisScripts.load("fetch");

	private final RedisScripts ack = RedisScripts.load("ack");

	private final RedisScripts nack = RedisScripts.load("nack");

	private final RedisScripts release = RedisScripts.load("release");

	private final RedisScripts extend = RedisScripts.load("extend");

	private final RedisScripts redrive = RedisScripts.load("redrive");

	private final RedisScripts purge = RedisScripts.load("purge");

	private final RedisScripts delete = RedisScripts.load("delete");

	private final RedisScripts stats = RedisScripts.load("stats");

	private final RedisScripts throttle = RedisScripts.load("throttle");

	private final RedisScripts expiry = RedisScripts.load("expiry");

	/** Sweeps temporary queues past their deadline, every {@link #SWEEP_INTERVAL}. */
	private final ScheduledExecutorService housekeeping;

	private final ClusterThrottles clusterThrottles;

	private final ReplicaWait replicaWait;

	/** Acks that fewer replicas than asked confirmed (this instance only). */
	private final LongAdder acksUnconfirmed = new LongAdder();

	/**
	 * The driver's settings.
	 *
	 * @param keyPrefix the prefix of every key
	 * @param waitReplicas how many replicas must confirm an enqueue or ack before it returns
	 * (Redis {@code WAIT}); 0 for Redis's asynchronous replication alone
	 * @param waitTimeout the longest wait for them
	 */
	public record Options(String keyPrefix, int waitReplicas, Duration waitTimeout) {

		/** The defaults: prefix {@code fila}, no wait for replicas (at most 100ms when asked). */
		public static final Options DEFAULTS = new Options("fila", 0, Duration.ofMillis(100));

		/** @return these options with another key prefix */
		public Options withKeyPrefix(String keyPrefix) {
			return new Options(keyPrefix, this.waitReplicas, this.waitTimeout);
		}

		/** @return these options waiting for another number of replicas */
		public Options withWaitReplicas(int waitReplicas) {
			return new Options(this.keyPrefix, waitReplicas, this.waitTimeout);
		}

		/** @return these options with another longest wait for replicas */
		public Options withWaitTimeout(Duration waitTimeout) {
			return new Options(this.keyPrefix, this.waitReplicas, waitTimeout);
		}

	}

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's Redis connection factory
	 * @param keyPrefix the prefix of every key
	 */
	public RedisDriver(String name, RedisConnectionFactory connectionFactory, String keyPrefix) {
		this(name, connectionFactory, Options.DEFAULTS.withKeyPrefix(keyPrefix), MessageLimits.DEFAULTS);
	}

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's Redis connection factory
	 * @param options the key prefix and the wait for replicas
	 * @param limits the largest message the driver takes
	 */
	public RedisDriver(String name, RedisConnectionFactory connectionFactory, Options options, MessageLimits limits) {
		String keyPrefix = options.keyPrefix();
		int waitReplicas = options.waitReplicas();
		Duration waitTimeout = options.waitTimeout();
		this.name = name;
		this.limits = limits;
		this.replicaWait = (waitReplicas > 0) ? new ReplicaWait(waitReplicas, waitTimeout) : ReplicaWait.NONE;
		this.connectionFactory = connectionFactory;
		this.keyPrefix = keyPrefix;
		LettuceConnectionFactory cluster = (connectionFactory instanceof LettuceConnectionFactory lettuce
				&& lettuce.isClusterAware()) ? lettuce : null;
		this.sharded = cluster != null;
		this.signals = (cluster != null) ? new ShardedQueueSignals(cluster, this::channel)
				: new QueueSignals(connectionFactory, keyPrefix + ":notify");
		this.throttlePrefix = bytes(keyPrefix + ":throttle:");
		this.clusterThrottles = new ClusterThrottles(keyPrefix + ":throttle:");
		this.signals.start();
		this.housekeeping = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "fila-redis-" + name);
			thread.setDaemon(true);
			return thread;
		});
		// Spread out, so that instances started together do not sweep together.
		long first = SWEEP_INTERVAL.toMillis() / 2 + ThreadLocalRandom.current().nextLong(SWEEP_INTERVAL.toMillis());
		this.housekeeping.scheduleWithFixedDelay(this::sweepQuietly, first, SWEEP_INTERVAL.toMillis(),
				TimeUnit.MILLISECONDS);
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

	/** @return the key base of a queue; a dead-letter queue shares its source queue's hash tag (see RedisKeys) */
	String base(String queue) {
		return RedisKeys.base(this.keyPrefix, queue);
	}

	/**
	 * @return the channel the queue's scripts notify: the driver's one channel, or on Redis Cluster
	 * a sharded channel with the hash tag of the queue (shared with its dead-letter queue)
	 */
	String channel(String queue) {
		return this.sharded ? RedisKeys.channel(this.keyPrefix, queue) : this.keyPrefix + ":notify";
	}

	/** The encoded keys of a queue, built once: ack, nack and heartbeats need them per message. */
	private QueueKeys keys(String queue) {
		QueueKeys keys = this.queueKeys.get(queue);
		if (keys == null) {
			String base = base(queue);
			keys = new QueueKeys(bytes(base + "c"), bytes(base), bytes(queue), bytes(channel(queue)));
			if (this.queueKeys.size() >= MAX_CACHED_QUEUE_KEYS) {
				// Temporary reply queues come and go (a responder never deletes them): stay bounded.
				this.queueKeys.clear();
			}
			this.queueKeys.put(queue, keys);
		}
		return keys;
	}

	/**
	 * @param routing the key that routes a script to the queue's hash slot
	 * @param base the key base
	 * @param name the queue name
	 * @param channel the channel its scripts notify
	 */
	private record QueueKeys(byte[] routing, byte[] base, byte[] name, byte[] channel) {
	}

	private String registryKey() {
		return this.keyPrefix + ":queues";
	}

	/** The sorted set of temporary queues by deadline (see expiry.lua). */
	private byte[] expiringKey() {
		return bytes(this.keyPrefix + ":expiring");
	}


	@Override
	public void createQueue(QueueSpec spec) {
		execute((connection) -> {
			createOne(connection, spec.name(), spec, spec.deadLetter());
			if (spec.deadLetter()) {
				createOne(connection, spec.deadLetterQueue(), spec, false);
			}
			if (spec.expires()) {
				this.expiry.run(connection, ReturnType.INTEGER, expiringKey(), bytes("add"), bytes(spec.name()),
						bytes(Long.toString(spec.expiresAfter().toMillis())));
			}
			return null;
		});
		this.createdQueues.put(spec.name(), spec);
	}

	private void createOne(RedisConnection connection, String queue, QueueSpec spec, boolean deadLetter) {
		String base = base(queue);
		this.create.run(connection, ReturnType.INTEGER, bytes(base + "c"), bytes(base),
				bytes(Long.toString(spec.visibilityTimeout().toMillis())), bytes(Integer.toString(spec.quantum())),
				bytes(deadLetter ? "1" : "0"));
		connection.setCommands().sAdd(bytes(registryKey()), bytes(queue));
	}

	@Override
	public boolean deleteQueue(String queue) {
		QueueSpec created = this.createdQueues.remove(queue);
		this.throttleLimited.remove(queue);
		this.queueKeys.remove(queue);
		this.clusterThrottles.forget(queue);
		this.signals.forget(queue);
		// In chunks of REMOVE_CHUNK messages, one script call each; the first call ends the queue.
		Chunk chunk = deleteChunk(queue, REMOVE_CHUNK);
		boolean existed = chunk.count() == 1;
		while (!chunk.done()) {
			chunk = deleteChunk(queue, REMOVE_CHUNK);
		}
		execute((connection) -> {
			connection.setCommands().sRem(bytes(registryKey()), bytes(queue));
			if (created != null && created.expires()) {
				connection.zSetCommands().zRem(expiringKey(), bytes(queue));
			}
			return null;
		});
		return existed;
	}

	/**
	 * One delete script call: removes at most {@code limit} messages.
	 * @return a chunk whose count is 1 when the queue existed at this call
	 */
	Chunk deleteChunk(String queue, int limit) {
		String base = base(queue);
		List<Object> reply = execute((connection) -> this.delete.run(connection, ReturnType.MULTI, bytes(base + "c"),
				bytes(base), bytes(Integer.toString(limit))));
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue() == 1);
	}

	@Override
	public List<String> listQueues() {
		Set<byte[]> members = execute((connection) -> connection.setCommands().sMembers(bytes(registryKey())));
		List<String> names = new ArrayList<>();
		if (members != null) {
			members.forEach((member) -> names.add(string(member)));
		}
		names.sort(Comparator.naturalOrder());
		return names;
	}

	@Override
	public boolean queueExists(String queue) {
		Boolean exists = execute((connection) -> connection.keyCommands().exists(bytes(base(queue) + "meta")));
		return Boolean.TRUE.equals(exists);
	}

	@Override
	public List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		this.limits.check(this, queue, messages);
		List<String> ids = new ArrayList<>(messages.size());
		QueueKeys keys = keys(queue);
		List<byte[]> args = new ArrayList<>(5 + messages.size() * 6);
		args.add(keys.routing());
		args.add(keys.base());
		args.add(keys.channel());
		args.add(keys.name());
		args.add(bytes(Integer.toString(messages.size())));
		for (OutgoingMessage message : messages) {
			String id = MessageIds.next();
			ids.add(id);
			args.add(bytes(id));
			args.add(bytes(message.scheduling().fairnessKey()));
			args.add(bytes(Double.toString(message.scheduling().weight())));
			args.add(bytes(message.scheduling().throttleKeys().isEmpty() ? ""
					: this.json.writeValueAsString(message.scheduling().throttleKeys())));
			args.add(encodeHeaders(message.headers()));
			args.add(message.payload());
		}
		byte[][] keyAndArgs = args.toArray(new byte[0][]);
		long confirmed = onQueue(queue, (connection) -> {
			this.enqueue.run(connection, ReturnType.INTEGER, keyAndArgs);
			return this.replicaWait.enabled() ? this.replicaWait.await(connection, keys.routing()) : 0L;
		});
		if (confirmed < this.replicaWait.replicas()) {
			throw new ReplicaWaitException(queue, confirmed, this.replicaWait.replicas(),
					this.replicaWait.timeout().toMillis());
		}
		return ids;
	}

	@Override
	public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		this.signals.enter(queue);
		try {
			return fetchWaiting(queue, max, maxWait);
		}
		finally {
			this.signals.exit(queue);
		}
	}

	private List<LeasedMessage> fetchWaiting(String queue, int max, Duration maxWait) throws InterruptedException {
		long deadline = System.nanoTime() + maxWait.toNanos();
		QueueKeys keys = keys(queue);
		byte[][] keyAndArgs = { keys.routing(), keys.base(), bytes(Integer.toString(max)), this.throttlePrefix,
				keys.name() };
		this.signals.watch(queue);
		long wakeUpsSeen = this.signals.wakeUps(queue);
		while (true) {
			long seen = this.signals.version(queue);
			FetchReply reply = onQueue(queue, (connection) -> fetchOnce(connection, queue, max, keyAndArgs));
			warnIfMissing(queue, "a fetch", ((Number) reply.values().get(4)).longValue());
			List<LeasedMessage> leased = leasedMessages(queue, reply.values());
			if (reply.throttled()) {
				this.throttleLimited.computeIfAbsent(queue, (name) -> new LongAdder()).increment();
			}
			long remaining = deadline - System.nanoTime();
			if (!leased.isEmpty() || remaining <= 0 || this.signals.wakeUps(queue) != wakeUpsSeen) {
				return leased;
			}
			if (reply.retryAtOnce()) {
				continue;
			}
			long hint = reply.hintMillis();
			long wait = Math.min(remaining, IDLE_RECHECK_NANOS);
			if (hint >= 0) {
				wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(hint + 1));
			}
			this.signals.await(queue, seen, wait);
		}
	}

	/**
	 * One fetch script call. On Redis Cluster, throttle buckets live in other slots: permits are
	 * taken before the call and what it did not spend is given back after (see ClusterThrottles).
	 */
	@SuppressWarnings("unchecked")
	private FetchReply fetchOnce(RedisConnection connection, String queue, int max, byte[][] keyAndArgs) {
		if (!(connection instanceof RedisClusterConnection)) {
			List<Object> reply = this.fetch.run(connection, ReturnType.MULTI, keyAndArgs);
			return new FetchReply(reply, ((Number) reply.get(1)).longValue(), isThrottled(reply), false);
		}
		ClusterThrottles.Taken taken = this.clusterThrottles.take(connection, queue, max);
		List<byte[]> args = new ArrayList<>(Arrays.asList(keyAndArgs));
		args.addAll(taken.arguments());
		List<Object> reply = this.fetch.run(connection, ReturnType.MULTI, args.toArray(new byte[0][]));
		Map<String, Long> spent = new LinkedHashMap<>();
		List<Object> pairs = (List<Object>) reply.get(3);
		for (int i = 0; i + 1 < pairs.size(); i += 2) {
			spent.put(string(pairs.get(i)), ((Number) pairs.get(i + 1)).longValue());
		}
		boolean unasked = this.clusterThrottles.settle(connection, queue, taken, spent);
		long hint = ((Number) reply.get(1)).longValue();
		boolean throttled = isThrottled(reply);
		if (throttled && taken.refillMillis() >= 0 && (hint < 0 || taken.refillMillis() < hint)) {
			hint = taken.refillMillis();
		}
		return new FetchReply(reply, hint, throttled, unasked);
	}

	private static boolean isThrottled(List<Object> reply) {
		return ((Number) reply.get(2)).longValue() > 0;
	}

	/**
	 * Messages whose hash was gone from Redis (evicted under a {@code maxmemory-policy} other
	 * than {@code noeviction}, or deleted by hand) are skipped and counted by the scripts rather
	 * than failing them half-way; this makes them visible.
	 */
	private static void warnIfMissing(String queue, String operation, long missing) {
		if (missing > 0) {
			logger.warn("Queue '{}': {} skipped {} message(s) whose data was gone from Redis (evicted or deleted); "
					+ "they are lost. Set maxmemory-policy noeviction on Redis (see docs/production-checklist.md)",
					queue, operation, missing);
		}
	}

	/**
	 * @param queue the queue name
	 * @return how many messages of the queue the scripts found gone from Redis and skipped, for
	 * every application instance together
	 */
	long missingMessages(String queue) {
		String base = base(queue);
		byte[] value = execute((connection) -> connection.hashCommands().hGet(bytes(base + "c"), bytes("missing")));
		return (value != null) ? Long.parseLong(string(value)) : 0;
	}

	/**
	 * @param values the fetch script's reply
	 * @param hintMillis when something may become deliverable, or -1
	 * @param throttled whether a throttle held a message back
	 * @param retryAtOnce whether a message waited for a throttle key no permits were taken of
	 */
	private record FetchReply(List<Object> values, long hintMillis, boolean throttled, boolean retryAtOnce) {
	}

	@SuppressWarnings("unchecked")
	private List<LeasedMessage> leasedMessages(String queue, List<Object> reply) {
		List<Object> items = (List<Object>) reply.get(0);
		List<LeasedMessage> leased = new ArrayList<>(items.size());
		for (Object item : items) {
			List<Object> fields = (List<Object>) item;
			String throttles = string(fields.get(3));
			leased.add(new LeasedMessage(string(fields.get(0)), queue,
					decodeHeaders((byte[]) fields.get(4)), (byte[]) fields.get(5), string(fields.get(1)),
					Double.parseDouble(string(fields.get(2))),
					throttles.isEmpty() ? List.of() : this.json.readValue(throttles, STRINGS),
					((Number) fields.get(7)).intValue(), Instant.ofEpochMilli(Long.parseLong(string(fields.get(6)))),
					string(fields.get(8))));
		}
		return leased;
	}

	@Override
	public void wakeUp(String queue) {
		this.signals.wakeUp(queue);
	}

	@Override
	public boolean ack(LeasedMessage message) {
		return ackAll(List.of(message))[0];
	}

	/**
	 * Acks many messages in one script call per queue (and per {@value #MAX_BATCH}
	 * messages), instead of one call each.
	 */
	@Override
	public boolean[] ackAll(List<LeasedMessage> messages) {
		boolean[] acked = new boolean[messages.size()];
		forEachQueueBatch(messages, (batch, offset) -> ackBatch(batch, acked, offset));
		return acked;
	}

	/** Calls {@code action} with runs of messages of one queue, at most {@value #MAX_BATCH} each. */
	private static void forEachQueueBatch(List<LeasedMessage> messages, BiConsumer<List<LeasedMessage>, Integer> action) {
		int first = 0;
		while (first < messages.size()) {
			String queue = messages.get(first).queue();
			int end = first + 1;
			while (end < messages.size() && end - first < MAX_BATCH && messages.get(end).queue().equals(queue)) {
				end++;
			}
			action.accept(messages.subList(first, end), first);
			first = end;
		}
	}

	private void ackBatch(List<LeasedMessage> batch, boolean[] acked, int offset) {
		QueueKeys keys = keys(batch.get(0).queue());
		byte[][] keyAndArgs = leaseArgs(keys, batch);
		byte[] results = execute((connection) -> {
			byte[] reply = this.ack.run(connection, ReturnType.VALUE, keyAndArgs);
			if (this.replicaWait.enabled()) {
				awaitAckReplicas(connection, keys.routing(), batch);
			}
			return reply;
		});
		readOutcomes(results, acked, offset, batch.size());
	}

	/**
	 * The keys and arguments of a script over leased messages of one queue: routing key, base,
	 * then {@code extra} arguments, then each message's id and lease token.
	 */
	private static byte[][] leaseArgs(QueueKeys keys, List<LeasedMessage> batch, byte[]... extra) {
		byte[][] keyAndArgs = new byte[2 + extra.length + batch.size() * 2][];
		keyAndArgs[0] = keys.routing();
		keyAndArgs[1] = keys.base();
		System.arraycopy(extra, 0, keyAndArgs, 2, extra.length);
		int i = 2 + extra.length;
		for (LeasedMessage message : batch) {
			keyAndArgs[i++] = bytes(message.id());
			keyAndArgs[i++] = bytes(message.leaseToken());
		}
		return keyAndArgs;
	}

	/** Reads a script's reply of one character per message, {@code '1'} for done. */
	private static void readOutcomes(byte[] results, boolean[] outcomes, int offset, int count) {
		for (int j = 0; j < count; j++) {
			outcomes[offset + j] = results != null && j < results.length && results[j] == '1';
		}
	}

	/**
	 * An ack no replica has yet is not an error: it is applied on the master, and if the master
	 * fails before a replica has it the message is delivered again (a duplicate, never a loss).
	 */
	private void awaitAckReplicas(RedisConnection connection, byte[] routing, List<LeasedMessage> batch) {
		long confirmed = this.replicaWait.await(connection, routing);
		if (confirmed < this.replicaWait.replicas()) {
			this.acksUnconfirmed.add(batch.size());
			logger.debug("Queue '{}': {} ack(s) confirmed by {} of {} replica(s) within {} ms; a failover now would "
					+ "deliver them again", batch.get(0).queue(), batch.size(), confirmed, this.replicaWait.replicas(),
					this.replicaWait.timeout().toMillis());
		}
	}

	/** @return the queue notifications of this instance (for tests) */
	QueueSignals signals() {
		return this.signals;
	}

	/** @return acks that fewer replicas than {@code wait-replicas} confirmed in time (this instance) */
	long acksUnconfirmed() {
		return this.acksUnconfirmed.sum();
	}

	@Override
	public boolean nack(LeasedMessage message, FailureDecision decision, String failure) {
		String error = ErrorHeader.value(failure);
		String queue = message.queue();
		QueueKeys keys = keys(queue);
		QueueKeys dlq = keys(QueueSpec.deadLetterQueueOf(queue));
		boolean retry = decision instanceof FailureDecision.Retry;
		long delay = (decision instanceof FailureDecision.Retry r) ? r.delay().toMillis() : 0;
		Long result = execute((connection) -> this.nack.run(connection, ReturnType.INTEGER, keys.routing(),
				keys.base(), bytes(message.id()), bytes(message.leaseToken()), bytes(retry ? "retry" : "dlq"),
				bytes(Long.toString(delay)), bytes(error), dlq.base(), keys.name(), keys.channel(), dlq.name()));
		if (result != null && result == 2) {
			logger.warn("Dropped message {} from queue '{}' after {} attempts: the queue has no dead-letter queue ({})",
					message.id(), queue, message.attempts(), error);
		}
		return result != null && result >= 1;
	}

	@Override
	public boolean release(LeasedMessage message) {
		QueueKeys keys = keys(message.queue());
		Long result = execute((connection) -> this.release.run(connection, ReturnType.INTEGER, keys.routing(),
				keys.base(), bytes(message.id()), bytes(message.leaseToken()), keys.channel(), keys.name()));
		return result != null && result == 1;
	}

	@Override
	public boolean extendLease(LeasedMessage message, Duration duration) {
		return extendLeases(List.of(message), duration)[0];
	}

	/** Extends many leases in one script call per queue (and per {@value #MAX_BATCH} messages). */
	@Override
	public boolean[] extendLeases(List<LeasedMessage> messages, Duration duration) {
		boolean[] extended = new boolean[messages.size()];
		byte[] leaseMillis = bytes(Long.toString(duration.toMillis()));
		forEachQueueBatch(messages, (batch, offset) -> {
			byte[][] keyAndArgs = leaseArgs(keys(batch.get(0).queue()), batch, leaseMillis);
			byte[] results = execute((connection) -> this.extend.run(connection, ReturnType.VALUE, keyAndArgs));
			readOutcomes(results, extended, offset, batch.size());
		});
		return extended;
	}

	@Override
	@SuppressWarnings("unchecked")
	public QueueStats stats(String queue) {
		String base = base(queue);
		List<Object> reply = onQueue(queue,
				(connection) -> this.stats.run(connection, ReturnType.MULTI, bytes(base + "c"), bytes(base), bytes(queue)));
		List<KeyStats> keys = new ArrayList<>();
		for (Object item : (List<Object>) reply.get(4)) {
			List<Object> fields = (List<Object>) item;
			keys.add(new KeyStats(string(fields.get(0)), ((Number) fields.get(1)).longValue(),
					((Number) fields.get(2)).longValue(), ((Number) fields.get(3)).longValue(),
					Double.parseDouble(string(fields.get(4)))));
		}
		warnIfMissing(queue, "stats", ((Number) reply.get(5)).longValue());
		keys.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
		return new QueueStats(queue, this.name, ((Number) reply.get(0)).longValue(),
				((Number) reply.get(1)).longValue(), ((Number) reply.get(2)).longValue(), keys);
	}

	/**
	 * @param queue the queue name
	 * @return how many leases of the queue expired so far, counted in Redis for every
	 * application instance together
	 */
	@Override
	public long expiredLeases(String queue) {
		String base = base(queue);
		byte[] value = execute((connection) -> connection.hashCommands().hGet(bytes(base + "c"), bytes("expired")));
		return (value != null) ? Long.parseLong(string(value)) : 0;
	}

	@Override
	public long throttleLimited(String queue) {
		LongAdder count = this.throttleLimited.get(queue);
		return (count != null) ? count.sum() : 0;
	}

	/** Moves messages in chunks of {@value #REDRIVE_CHUNK}, one script call each. */
	@Override
	public int redrive(String deadLetterQueue, int count) {
		int moved = 0;
		while (moved < count) {
			Chunk chunk = redriveChunk(deadLetterQueue, Math.min(count - moved, REDRIVE_CHUNK));
			moved += (int) chunk.count();
			if (chunk.done()) {
				break;
			}
		}
		return moved;
	}

	/** One redrive script call: moves at most {@code limit} messages, and does at most that much work. */
	Chunk redriveChunk(String deadLetterQueue, int limit) {
		String source = QueueSpec.sourceQueueOf(deadLetterQueue);
		String base = base(deadLetterQueue);
		List<Object> reply = onQueue(deadLetterQueue, (connection) -> this.redrive.run(connection, ReturnType.MULTI,
				bytes(base + "c"), bytes(base), bytes(base(source)), bytes(Integer.toString(limit)),
				keys(source).channel(), bytes(source), bytes(deadLetterQueue)));
		warnIfMissing(deadLetterQueue, "a redrive", ((Number) reply.get(1)).longValue());
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(2)).longValue() == 1);
	}

	/**
	 * Removes messages in chunks of {@value #REMOVE_CHUNK}, one script call each. A message
	 * enqueued meanwhile may be removed or kept (see purge.lua).
	 */
	@Override
	public long purge(String queue) {
		long removed = 0;
		Chunk chunk;
		do {
			chunk = purgeChunk(queue, REMOVE_CHUNK);
			removed += chunk.count();
		}
		while (!chunk.done());
		return removed;
	}

	/** One purge script call: removes at most {@code limit} messages, and does at most that much work. */
	Chunk purgeChunk(String queue, int limit) {
		String base = base(queue);
		List<Object> reply = onQueue(queue, (connection) -> this.purge.run(connection, ReturnType.MULTI,
				bytes(base + "c"), bytes(base), bytes(queue), bytes(Integer.toString(limit))));
		warnIfMissing(queue, "a purge", ((Number) reply.get(2)).longValue());
		return new Chunk(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue() == 1);
	}

	/**
	 * @param count messages the call removed or moved
	 * @param done whether nothing is left to do
	 */
	record Chunk(long count, boolean done) {
	}

	@Override
	public void setThrottle(String key, double rate, long burst) {
		String bucket = this.keyPrefix + ":throttle:" + key;
		execute((connection) -> this.throttle.run(connection, ReturnType.INTEGER, bytes(bucket), bytes(bucket),
				bytes(Double.toString(rate)), bytes(Long.toString(burst))));
	}

	/** Reads the bucket as {@code throttle.lua} keeps it and refills it to Redis's clock. */
	@Override
	public double availablePermits(String key) {
		byte[] bucket = bytes(this.keyPrefix + ":throttle:" + key);
		return execute((connection) -> {
			List<byte[]> fields = connection.hashCommands()
				.hMGet(bucket, bytes("rate"), bytes("burst"), bytes("tokens"), bytes("ts"));
			if (fields == null || fields.size() < 4 || fields.get(0) == null || fields.get(1) == null) {
				return Double.NaN;
			}
			double rate = Double.parseDouble(string(fields.get(0)));
			double burst = Double.parseDouble(string(fields.get(1)));
			if (fields.get(2) == null || fields.get(3) == null) {
				return burst;
			}
			Long now = connection.serverCommands().time();
			double elapsed = (now != null) ? Math.max(0, now - Double.parseDouble(string(fields.get(3)))) : 0;
			return Math.min(burst, Double.parseDouble(string(fields.get(2))) + elapsed * rate / 1000);
		});
	}

	@Override
	public void ping() {
		execute(RedisConnection::ping);
	}

	/** @return settings in this driver's Redis, under its key prefix (the store holds no state) */
	@Override
	public SettingsStore settingsStore() {
		return new RedisSettingsStore(this.connectionFactory, this.keyPrefix, name());
	}

	/**
	 * Deletes temporary queues past their deadline, whoever created them: reply queues of a
	 * requester that died before deleting its own. A live request's queue is never among them:
	 * its deadline is the request's timeout and a margin after its creation, on Redis time.
	 * @return how many queues were deleted
	 */
	@SuppressWarnings("unchecked")
	int sweepExpiredQueues() {
		List<Object> due = execute((connection) -> this.expiry.run(connection, ReturnType.MULTI, expiringKey(),
				bytes("take"), bytes(Integer.toString(MAX_SWEPT))));
		int deleted = 0;
		for (Object queue : (due != null) ? due : List.of()) {
			String name = string(queue);
			deleteQueue(name);
			deleted++;
		}
		if (deleted > 0) {
			logger.info("Deleted {} temporary queue(s) past their deadline: reply queues of requesters that died",
					deleted);
		}
		return deleted;
	}

	private void sweepQuietly() {
		try {
			sweepExpiredQueues();
		}
		catch (RuntimeException ex) {
			logger.debug("Driver '{}': could not sweep expired temporary queues ({}); trying again later", this.name,
					ex.getMessage());
		}
	}

	@Override
	public void close() {
		this.housekeeping.shutdownNow();
		this.signals.close();
	}

	/** Runs an operation on a queue; a queue Redis lost (an empty Redis after a restart) is re-created once. */
	private <T> T onQueue(String queue, Function<RedisConnection, T> operation) {
		try {
			return execute(operation);
		}
		catch (FilaException ex) {
			if (!isNoQueue(ex)) {
				throw ex;
			}
			QueueSpec spec = this.createdQueues.get(QueueSpec.sourceQueueOf(queue));
			if (spec == null) {
				throw new QueueNotFoundException(queue);
			}
			logger.warn("Queue '{}' is missing from Redis (was Redis restarted empty or flushed?): re-creating it; "
					+ "messages it held are gone", queue);
			createQueue(spec);
			try {
				return execute(operation);
			}
			catch (FilaException again) {
				if (isNoQueue(again)) {
					throw new QueueNotFoundException(queue);
				}
				throw again;
			}
		}
	}

	/**
	 * Runs an operation on a pooled connection.
	 * @throws FilaException for every Redis failure (a refused connection, a timeout, an error
	 * reply), with Spring's exception as the cause
	 */
	private <T> T execute(Function<RedisConnection, T> operation) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return operation.apply(connection);
		}
		catch (DataAccessException ex) {
			throw new FilaException("Redis driver '" + this.name + "' failed: " + ex.getMessage(), ex);
		}
	}

	private static boolean isNoQueue(Throwable ex) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (current.getMessage() != null && current.getMessage().contains("NOQUEUE")) {
				return true;
			}
		}
		return false;
	}

	/** Most messages carry few or no headers: skip JSON for the empty case on this hot path. */
	private byte[] encodeHeaders(Map<String, String> headers) {
		return headers.isEmpty() ? EMPTY_JSON_OBJECT : this.json.writeValueAsBytes(headers);
	}

	private Map<String, String> decodeHeaders(byte[] json) {
		return Arrays.equals(json, EMPTY_JSON_OBJECT) ? Map.of() : Map.copyOf(this.json.readValue(json, HEADERS));
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static String string(Object value) {
		if (value instanceof byte[] bytes) {
			return new String(bytes, StandardCharsets.UTF_8);
		}
		if (value == null) {
			throw new FilaException("Unexpected nil in a Redis reply");
		}
		return value.toString();
	}

	@Override
	public String toString() {
		return "RedisDriver[" + this.name + ", prefix " + this.keyPrefix + ", " + this.replicaWait + "]";
	}

}
