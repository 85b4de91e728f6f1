package dev.fila.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.config.SettingsStore;
import dev.fila.core.QueueStats;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.QueueFlow;

/**
 * Queues in Redis, scheduled by server-side scripts: every operation (enqueue, a fetch that
 * runs deficit round robin and throttles and takes leases, ack, nack, redrive...) is one
 * atomic script, so any number of application instances share one consistent queue. Leases
 * and delays run on Redis time. All keys of a queue and of its dead-letter queue share one
 * hash tag. Idle consumers wait for a pub/sub notification, with a bounded wait; on one Redis an
 * enqueue leases straight for a waiting consumer ({@link RedisHandOff}).
 * <p>
 * This class puts the parts together: {@link RedisQueues} (keys, create, delete, the
 * registry), {@link RedisPublisher} (enqueue), {@link RedisFetcher} (fetch and its waits),
 * {@link RedisSettlement} (ack, nack, release, lease extension), {@link RedisAdmin} (stats,
 * purge, redrive, throttles) and {@link RedisHousekeeping} (the sweep of expired temporary
 * queues); {@link RedisConnections} runs their calls and turns Redis failures into
 * {@link dev.fila.core.FilaException}s.
 */
public class RedisDriver implements FilaDriver {

	/** The driver type name. */
	public static final String TYPE = "redis";

	private final String name;

	private final RedisConnectionFactory connectionFactory;

	private final String keyPrefix;

	private final MessageLimits limits;

	private final ReplicaWait replicaWait;

	private final RedisConnections connections;

	private final RedisQueues queues;

	private final QueueSignals signals;

	private final RedisPublisher publisher;

	private final RedisFetcher fetcher;

	private final @Nullable RedisHandOff handOff;

	private final RedisSettlement settlement;

	private final RedisAdmin admin;

	private final RedisFlow flow;

	private final RedisHousekeeping housekeeping;

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's Redis connection factory
	 * @param keyPrefix the prefix of every key
	 */
	public RedisDriver(String name, RedisConnectionFactory connectionFactory, String keyPrefix) {
		this(name, connectionFactory, RedisDriverOptions.DEFAULTS.withKeyPrefix(keyPrefix), MessageLimits.DEFAULTS);
	}

	/**
	 * @param name the driver name
	 * @param connectionFactory Spring Boot's Redis connection factory
	 * @param options the key prefix and the wait for replicas
	 * @param limits the largest message the driver takes
	 */
	public RedisDriver(String name, RedisConnectionFactory connectionFactory, RedisDriverOptions options,
			MessageLimits limits) {
		String keyPrefix = options.keyPrefix();
		int waitReplicas = options.waitReplicas();
		this.name = name;
		this.limits = limits;
		this.replicaWait = (waitReplicas > 0) ? new ReplicaWait(waitReplicas, options.waitTimeout()) : ReplicaWait.NONE;
		this.connectionFactory = connectionFactory;
		this.keyPrefix = keyPrefix;
		LettuceConnectionFactory cluster = (connectionFactory instanceof LettuceConnectionFactory lettuce
				&& lettuce.isClusterAware()) ? lettuce : null;
		this.connections = new RedisConnections(name, connectionFactory);
		RedisVersion.check(name, this.connections, cluster != null);
		this.queues = new RedisQueues(this.connections, keyPrefix, cluster != null);
		this.signals = (cluster != null) ? new ShardedQueueSignals(cluster, this.queues::channel)
				: new QueueSignals(connectionFactory, keyPrefix + ":notify");
		MessageJson json = new MessageJson();
		this.publisher = new RedisPublisher(this.queues, json, this.replicaWait);
		this.flow = new RedisFlow(this.queues);
		this.settlement = new RedisSettlement(this.connections, this.queues, this.replicaWait, this.flow);
		LeasedMessages leased = new LeasedMessages(json);
		this.handOff = (cluster != null) ? null
				: new RedisHandOff(keyPrefix, this.signals, leased, this.settlement::release);
		this.fetcher = new RedisFetcher(this.queues, this.signals, leased, this.handOff, keyPrefix + ":throttle:");
		this.admin = new RedisAdmin(name, keyPrefix, this.connections, this.queues, json);
		this.signals.start();
		this.housekeeping = new RedisHousekeeping(name, this.queues, this::deleteQueue);
		this.housekeeping.start();
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
		this.queues.create(spec);
		this.flow.created(spec.name());
		if (spec.deadLetter()) {
			this.flow.created(spec.deadLetterQueue());
		}
	}

	@Override
	public void applyFlow(String queue, QueueFlow flow) {
		this.flow.apply(queue, flow);
	}

	@Override
	public boolean deleteQueue(String queue) {
		QueueSpec created = this.queues.forget(queue);
		this.fetcher.forget(queue);
		return this.queues.delete(queue, created);
	}

	@Override
	public List<String> listQueues() {
		return this.queues.list();
	}

	@Override
	public boolean queueExists(String queue) {
		return this.queues.exists(queue);
	}

	@Override
	public List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		this.limits.check(this, queue, messages);
		return this.publisher.enqueue(queue, messages);
	}

	@Override
	public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		return this.fetcher.fetch(queue, max, maxWait);
	}

	/** The acks go in the fetch's script call when they can (see RedisSettlement#carriedByFetch). */
	@Override
	public List<LeasedMessage> ackAndFetch(List<LeasedMessage> acks, Consumer<boolean[]> outcomes, String queue,
			int max, Duration maxWait) throws InterruptedException {
		RedisFetcher.CarriedAcks carried = this.settlement.carriedByFetch(queue, acks, outcomes);
		if (carried == null) {
			return FilaDriver.super.ackAndFetch(acks, outcomes, queue, max, maxWait);
		}
		return this.fetcher.fetch(queue, max, maxWait, carried);
	}

	@Override
	public void wakeUp(String queue) {
		this.signals.wakeUp(queue);
	}

	@Override
	public boolean ack(LeasedMessage message) {
		return this.settlement.ack(message);
	}

	/**
	 * Acks many messages in one script call per queue (and per {@value RedisSettlement#MAX_BATCH}
	 * messages), instead of one call each.
	 */
	@Override
	public boolean[] ackAll(List<LeasedMessage> messages) {
		return this.settlement.ackAll(messages);
	}

	@Override
	public boolean nack(LeasedMessage message, FailureDecision decision, String failure) {
		return this.settlement.nack(message, decision, failure);
	}

	@Override
	public boolean release(LeasedMessage message) {
		return this.settlement.release(message);
	}

	@Override
	public boolean extendLease(LeasedMessage message, Duration duration) {
		return this.settlement.extendLease(message, duration);
	}

	/** Extends many leases in one script call per queue (and per {@value RedisSettlement#MAX_BATCH} messages). */
	@Override
	public boolean[] extendLeases(List<LeasedMessage> messages, Duration duration) {
		return this.settlement.extendLeases(messages, duration);
	}

	@Override
	public QueueStats stats(String queue) {
		return this.admin.stats(queue);
	}

	/**
	 * @param queue the queue name
	 * @return how many leases of the queue expired so far, counted in Redis for every
	 * application instance together
	 */
	@Override
	public long expiredLeases(String queue) {
		return this.admin.expiredLeases(queue);
	}

	@Override
	public long throttleLimited(String queue) {
		return this.fetcher.throttleLimited(queue);
	}

	/** Moves messages in chunks of {@value RedisAdmin#REDRIVE_CHUNK}, one script call each. */
	@Override
	public int redrive(String deadLetterQueue, int count) {
		return this.admin.redrive(deadLetterQueue, count);
	}

	/**
	 * Removes messages in chunks of {@value RedisQueues#REMOVE_CHUNK}, one script call each. A
	 * message enqueued meanwhile may be removed or kept (see purge.lua).
	 */
	@Override
	public List<PendingMessage> peek(String queue, int count) {
		return this.admin.peek(queue, count);
	}

	@Override
	public long purge(String queue) {
		return this.admin.purge(queue);
	}

	@Override
	public void setThrottle(String key, double rate, long burst) {
		this.admin.setThrottle(key, rate, burst);
	}

	/** Reads the bucket as {@code throttle.lua} keeps it and refills it to Redis's clock. */
	@Override
	public double availablePermits(String key) {
		return this.admin.availablePermits(key);
	}

	@Override
	public void ping() {
		this.connections.execute(RedisConnection::ping);
	}

	/** @return settings in this driver's Redis, under its key prefix (the store holds no state) */
	@Override
	public SettingsStore settingsStore() {
		return new RedisSettingsStore(this.connectionFactory, this.keyPrefix, name());
	}

	@Override
	public void close() {
		this.housekeeping.close();
		this.signals.close();
		if (this.handOff != null) {
			this.handOff.close();
		}
	}

	@Override
	public String toString() {
		return "RedisDriver[" + this.name + ", prefix " + this.keyPrefix + ", " + this.replicaWait + "]";
	}

	// For tests in this package

	/** @return the key base of a queue (see RedisKeys) */
	String base(String queue) {
		return this.queues.base(queue);
	}

	/** @return the channel the queue's scripts notify */
	String channel(String queue) {
		return this.queues.channel(queue);
	}

	/** @return the queue notifications of this instance */
	QueueSignals signals() {
		return this.signals;
	}

	/** @return the channel this instance hears hand-offs on, or {@code null} on Redis Cluster */
	@Nullable String handOffChannel() {
		return (this.handOff != null) ? this.handOff.channel() : null;
	}

	/** @return acks that fewer replicas than {@code wait-replicas} confirmed in time (this instance) */
	long acksUnconfirmed() {
		return this.settlement.acksUnconfirmed();
	}

	/**
	 * @return how many messages of the queue the scripts found gone from Redis and skipped, for
	 * every application instance together
	 */
	long missingMessages(String queue) {
		return this.admin.missingMessages(queue);
	}

	/** @return how many temporary queues past their deadline one sweep deleted */
	int sweepExpiredQueues() {
		return this.housekeeping.sweepExpiredQueues();
	}

	Chunk deleteChunk(String queue, int limit) {
		return this.queues.deleteChunk(queue, limit);
	}

	Chunk redriveChunk(String deadLetterQueue, int limit) {
		return this.admin.redriveChunk(deadLetterQueue, limit);
	}

	Chunk purgeChunk(String queue, int limit) {
		return this.admin.purgeChunk(queue, limit);
	}

}
