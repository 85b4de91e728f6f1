package dev.fila.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for Fila: drivers, queues, throttles, consumers, runtime
 * configuration and Lua limits.
 */
@ConfigurationProperties("fila")
public class FilaProperties {

	/**
	 * Name of the driver for queues that name none. Defaults to "memory" when such a driver
	 * exists, else to the only declared driver.
	 */
	private @Nullable String defaultDriver;

	/**
	 * Drivers by name. When none is declared, a memory driver named "memory" exists.
	 */
	private Map<String, Driver> drivers = new LinkedHashMap<>();

	/**
	 * Queues by name. A queue used but not declared is created on the default driver with
	 * default settings.
	 */
	private Map<String, Queue> queues = new LinkedHashMap<>();

	/**
	 * Static token buckets by throttle key; can be changed at runtime.
	 */
	private Map<String, Throttle> throttles = new LinkedHashMap<>();

	/**
	 * Consumers by id. Values here win over the attributes of a @FilaListener with the same id.
	 */
	private Map<String, Consumer> consumers = new LinkedHashMap<>();

	/**
	 * Runtime configuration seed values, read in Lua with fila.get(key).
	 */
	private Map<String, String> config = new LinkedHashMap<>();

	private final Lua lua = new Lua();

	private final Template template = new Template();

	private final Listener listener = new Listener();

	public @Nullable String getDefaultDriver() {
		return this.defaultDriver;
	}

	public void setDefaultDriver(@Nullable String defaultDriver) {
		this.defaultDriver = defaultDriver;
	}

	public Map<String, Driver> getDrivers() {
		return this.drivers;
	}

	public void setDrivers(Map<String, Driver> drivers) {
		this.drivers = drivers;
	}

	public Map<String, Queue> getQueues() {
		return this.queues;
	}

	public void setQueues(Map<String, Queue> queues) {
		this.queues = queues;
	}

	public Map<String, Throttle> getThrottles() {
		return this.throttles;
	}

	public void setThrottles(Map<String, Throttle> throttles) {
		this.throttles = throttles;
	}

	public Map<String, Consumer> getConsumers() {
		return this.consumers;
	}

	public void setConsumers(Map<String, Consumer> consumers) {
		this.consumers = consumers;
	}

	public Map<String, String> getConfig() {
		return this.config;
	}

	public void setConfig(Map<String, String> config) {
		this.config = config;
	}

	public Lua getLua() {
		return this.lua;
	}

	public Template getTemplate() {
		return this.template;
	}

	public Listener getListener() {
		return this.listener;
	}

	/**
	 * One driver: its type, and the options of that type under a section named after it.
	 */
	public static class Driver {

		/**
		 * Driver type: memory, amqp or redis.
		 */
		private @Nullable String type;

		/**
		 * Options of a memory driver.
		 */
		private Memory memory = new Memory();

		/**
		 * Options of a redis driver.
		 */
		private Redis redis = new Redis();

		/**
		 * Options of an amqp driver.
		 */
		private Amqp amqp = new Amqp();

		public @Nullable String getType() {
			return this.type;
		}

		public void setType(@Nullable String type) {
			this.type = type;
		}

		public Memory getMemory() {
			return this.memory;
		}

		public void setMemory(Memory memory) {
			this.memory = memory;
		}

		public Redis getRedis() {
			return this.redis;
		}

		public void setRedis(Redis redis) {
			this.redis = redis;
		}

		public Amqp getAmqp() {
			return this.amqp;
		}

		public void setAmqp(Amqp amqp) {
			this.amqp = amqp;
		}

	}

	/**
	 * Message size limits, which every driver type takes.
	 */
	public abstract static class DriverLimits {

		/**
		 * Largest message payload the driver takes; a larger one is refused before anything
		 * of its batch is sent. From 1KB to 1GB (memory) or 512MB (redis, amqp). A plain
		 * number is a number of bytes.
		 */
		private DataSize maxPayloadBytes = DataSize.ofMegabytes(16);

		/**
		 * Most header bytes of one message: UTF-8 names and values, with the fairness key and
		 * throttle keys. From 1KB to 1MB (memory, redis) or 96KB (amqp, so that headers fit
		 * RabbitMQ's default 128KB frame). A plain number is a number of bytes.
		 */
		private DataSize maxHeaderBytes = DataSize.ofKilobytes(64);

		public DataSize getMaxPayloadBytes() {
			return this.maxPayloadBytes;
		}

		public void setMaxPayloadBytes(DataSize maxPayloadBytes) {
			this.maxPayloadBytes = maxPayloadBytes;
		}

		public DataSize getMaxHeaderBytes() {
			return this.maxHeaderBytes;
		}

		public void setMaxHeaderBytes(DataSize maxHeaderBytes) {
			this.maxHeaderBytes = maxHeaderBytes;
		}

	}

	/**
	 * Options of a memory driver: message size limits only.
	 */
	public static class Memory extends DriverLimits {

	}

	/**
	 * Options of a redis driver, which uses Spring Boot's RedisConnectionFactory
	 * (spring.data.redis.*).
	 */
	public static class Redis extends DriverLimits {

		/**
		 * Prefix of every Redis key the driver writes: drivers or applications with different
		 * prefixes do not see each other's queues. Non-empty, without braces.
		 */
		private String keyPrefix = "fila";

		/**
		 * Replicas that must confirm an enqueue or ack before it returns (Redis WAIT), 0..16.
		 * 0 returns once the master has it.
		 */
		private int waitReplicas;

		/**
		 * Longest an enqueue or ack waits for the wait-replicas replicas, from 1ms to 1m.
		 */
		private Duration waitTimeout = Duration.ofMillis(100);

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public int getWaitReplicas() {
			return this.waitReplicas;
		}

		public void setWaitReplicas(int waitReplicas) {
			this.waitReplicas = waitReplicas;
		}

		public Duration getWaitTimeout() {
			return this.waitTimeout;
		}

		public void setWaitTimeout(Duration waitTimeout) {
			this.waitTimeout = waitTimeout;
		}

	}

	/**
	 * Options of an amqp driver, which uses Spring Boot's RabbitMQ ConnectionFactory
	 * (spring.rabbitmq.*).
	 */
	public static class Amqp extends DriverLimits {

		/**
		 * Prefix of the names of the RabbitMQ queues the driver declares: 1..40 characters of
		 * A-Za-z0-9._-.
		 */
		private String prefix = "fila";

		/**
		 * Whether to declare quorum queues (replicated) instead of classic queues.
		 */
		private boolean quorum;

		/**
		 * Most unacknowledged messages per fairness-key queue, 1..10000.
		 */
		private int keyPrefetch = 50;

		/**
		 * Messages the keys of a queue may buffer together before the per-key prefetch
		 * shrinks, 1..1000000.
		 */
		private int prefetchBudget = 2000;

		/**
		 * Retention of the key log stream, at least 1MB. A plain number is a number of bytes.
		 */
		private DataSize keyLogMaxBytes = DataSize.ofMegabytes(64);

		/**
		 * How long a queue stays consumed after its last fetch. Positive, at most 3650d.
		 */
		private Duration sessionIdleTimeout = Duration.ofSeconds(30);

		/**
		 * RabbitMQ queues per Fila queue over which the fairness keys are spread, 0..1024;
		 * 0 gives each key a queue of its own. Defaults to 0, or to 16 with quorum queues.
		 */
		private @Nullable Integer keyShards;

		/**
		 * How long an empty key queue stays unused before it is deleted: 0 (never) or from 1s
		 * to 3650d. Not with key shards nor quorum queues.
		 */
		private Duration keyIdleExpiry = Duration.ofHours(1);

		/**
		 * Whether key queues are RabbitMQ priority queues (x-max-priority 9), so that a
		 * key's urgent message overtakes that key's messages still in RabbitMQ. Classic
		 * queues only; fixed once the queues exist.
		 */
		private boolean priorityQueues;

		public String getPrefix() {
			return this.prefix;
		}

		public void setPrefix(String prefix) {
			this.prefix = prefix;
		}

		public boolean isQuorum() {
			return this.quorum;
		}

		public void setQuorum(boolean quorum) {
			this.quorum = quorum;
		}

		public int getKeyPrefetch() {
			return this.keyPrefetch;
		}

		public void setKeyPrefetch(int keyPrefetch) {
			this.keyPrefetch = keyPrefetch;
		}

		public int getPrefetchBudget() {
			return this.prefetchBudget;
		}

		public void setPrefetchBudget(int prefetchBudget) {
			this.prefetchBudget = prefetchBudget;
		}

		public DataSize getKeyLogMaxBytes() {
			return this.keyLogMaxBytes;
		}

		public void setKeyLogMaxBytes(DataSize keyLogMaxBytes) {
			this.keyLogMaxBytes = keyLogMaxBytes;
		}

		public Duration getSessionIdleTimeout() {
			return this.sessionIdleTimeout;
		}

		public void setSessionIdleTimeout(Duration sessionIdleTimeout) {
			this.sessionIdleTimeout = sessionIdleTimeout;
		}

		public @Nullable Integer getKeyShards() {
			return this.keyShards;
		}

		public void setKeyShards(@Nullable Integer keyShards) {
			this.keyShards = keyShards;
		}

		public Duration getKeyIdleExpiry() {
			return this.keyIdleExpiry;
		}

		public void setKeyIdleExpiry(Duration keyIdleExpiry) {
			this.keyIdleExpiry = keyIdleExpiry;
		}

		public boolean isPriorityQueues() {
			return this.priorityQueues;
		}

		public void setPriorityQueues(boolean priorityQueues) {
			this.priorityQueues = priorityQueues;
		}

	}

	/**
	 * One queue.
	 */
	public static class Queue {

		/**
		 * Name of the driver holding the queue. Defaults to the default driver.
		 */
		private @Nullable String driver;

		/**
		 * Lease length of a delivered message; a running handler's lease is extended by a
		 * heartbeat, so this bounds how long a dead consumer's messages stay invisible. From
		 * 1s to 3650d.
		 */
		private Duration visibilityTimeout = Duration.ofSeconds(30);

		/**
		 * Deficit round robin quantum: messages a fairness key of weight 1 may deliver per
		 * turn. 1 gives the finest interleaving.
		 */
		private int quantum = 1;

		/**
		 * Whether failures past the retry policy go to the dead-letter queue <queue>.dlq
		 * (otherwise they are dropped with a warning).
		 */
		private boolean deadLetter = true;

		/**
		 * Retry policy used when no on-failure hook is set.
		 */
		private final Retry retry = new Retry();

		/**
		 * on_enqueue Lua hook: a resource location (classpath:, file:) or inline Lua text.
		 */
		private @Nullable String onEnqueue;

		/**
		 * on_failure Lua hook: a resource location (classpath:, file:) or inline Lua text.
		 */
		private @Nullable String onFailure;

		/**
		 * Most messages of one fairness key leased at once, across all consumers (and, on
		 * Redis, all application instances; on RabbitMQ, per instance). At least 1; unset for no
		 * limit. FilaAdmin.setKeyMaxInFlight overrides it per key at run time.
		 */
		private @Nullable Integer keyMaxInFlight;

		/**
		 * Most messages of the whole queue leased at once, across all consumers (and, on
		 * Redis, all application instances; on RabbitMQ, per instance). At least 1; unset for no
		 * limit.
		 */
		private @Nullable Integer maxInFlight;

		/**
		 * Priority aging: a message that waited this long is served one priority level higher,
		 * and one more for each further period, so that no level starves. From 1ms to 24d;
		 * unset for none (strict priority).
		 */
		private @Nullable Duration priorityAging;

		public @Nullable Duration getPriorityAging() {
			return this.priorityAging;
		}

		public void setPriorityAging(@Nullable Duration priorityAging) {
			this.priorityAging = priorityAging;
		}

		public @Nullable Integer getKeyMaxInFlight() {
			return this.keyMaxInFlight;
		}

		public void setKeyMaxInFlight(@Nullable Integer keyMaxInFlight) {
			this.keyMaxInFlight = keyMaxInFlight;
		}

		public @Nullable Integer getMaxInFlight() {
			return this.maxInFlight;
		}

		public void setMaxInFlight(@Nullable Integer maxInFlight) {
			this.maxInFlight = maxInFlight;
		}

		public @Nullable String getDriver() {
			return this.driver;
		}

		public void setDriver(@Nullable String driver) {
			this.driver = driver;
		}

		public Duration getVisibilityTimeout() {
			return this.visibilityTimeout;
		}

		public void setVisibilityTimeout(Duration visibilityTimeout) {
			this.visibilityTimeout = visibilityTimeout;
		}

		public int getQuantum() {
			return this.quantum;
		}

		public void setQuantum(int quantum) {
			this.quantum = quantum;
		}

		public boolean isDeadLetter() {
			return this.deadLetter;
		}

		public void setDeadLetter(boolean deadLetter) {
			this.deadLetter = deadLetter;
		}

		public Retry getRetry() {
			return this.retry;
		}

		public @Nullable String getOnEnqueue() {
			return this.onEnqueue;
		}

		public void setOnEnqueue(@Nullable String onEnqueue) {
			this.onEnqueue = onEnqueue;
		}

		public @Nullable String getOnFailure() {
			return this.onFailure;
		}

		public void setOnFailure(@Nullable String onFailure) {
			this.onFailure = onFailure;
		}

	}

	/**
	 * Exponential back-off between deliveries of a failing message.
	 */
	public static class Retry {

		/**
		 * Deliveries allowed in total, the first included; then the message is dead-lettered.
		 */
		private int maxAttempts = 5;

		/**
		 * Delay before the second delivery. At most 24d.
		 */
		private Duration initialDelay = Duration.ofSeconds(1);

		/**
		 * Factor applied to the delay after each further failure.
		 */
		private double multiplier = 2.0;

		/**
		 * Upper bound of any retry delay. At most 24d, the longest retry delay of every driver.
		 */
		private Duration maxDelay = Duration.ofMinutes(5);

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

	}

	/**
	 * A token bucket.
	 */
	public static class Throttle {

		/**
		 * Permits per second: positive and finite.
		 */
		private double rate;

		/**
		 * Bucket size: the most messages delivered at once after an idle period. Defaults to
		 * the rate rounded up (at least 1).
		 */
		private @Nullable Long burst;

		public double getRate() {
			return this.rate;
		}

		public void setRate(double rate) {
			this.rate = rate;
		}

		public @Nullable Long getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Long burst) {
			this.burst = burst;
		}

	}

	/**
	 * One consumer.
	 */
	public static class Consumer {

		/**
		 * Queue the consumer reads. Required for Lua handlers; for @FilaListener methods it
		 * overrides the annotation.
		 */
		private @Nullable String queue;

		/**
		 * Worker threads, 1..1000. Defaults to the @FilaListener attribute, else 1.
		 */
		private @Nullable Integer concurrency;

		/**
		 * Messages fetched ahead of the workers, 1..10000. Defaults to the @FilaListener
		 * attribute, else 10.
		 */
		private @Nullable Integer prefetch;

		/**
		 * Lua handler script (resource location or inline Lua) for consumers without a
		 * @FilaListener method.
		 */
		private @Nullable String handler;

		/**
		 * Whether the consumer starts with the application. Defaults to true.
		 */
		private @Nullable Boolean autoStartup;

		/**
		 * How long a graceful stop waits for running handlers before it interrupts them.
		 * Defaults to 30s.
		 */
		private @Nullable Duration shutdownTimeout;

		public @Nullable String getQueue() {
			return this.queue;
		}

		public void setQueue(@Nullable String queue) {
			this.queue = queue;
		}

		public @Nullable Integer getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(@Nullable Integer concurrency) {
			this.concurrency = concurrency;
		}

		public @Nullable Integer getPrefetch() {
			return this.prefetch;
		}

		public void setPrefetch(@Nullable Integer prefetch) {
			this.prefetch = prefetch;
		}

		public @Nullable String getHandler() {
			return this.handler;
		}

		public void setHandler(@Nullable String handler) {
			this.handler = handler;
		}

		public @Nullable Boolean getAutoStartup() {
			return this.autoStartup;
		}

		public void setAutoStartup(@Nullable Boolean autoStartup) {
			this.autoStartup = autoStartup;
		}

		public @Nullable Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

	}

	/**
	 * Lua hook limits.
	 */
	public static class Lua {

		/**
		 * Longest a single on_enqueue or on_failure hook call may run before it is stopped
		 * (the message then gets the defaults). At most 3650d.
		 */
		private Duration timeout = Duration.ofMillis(10);

		/**
		 * Longest a single call of a Lua handler script (fila.consumers.*.handler) may run
		 * before it is stopped and the message nacked. At most 3650d.
		 */
		private Duration handlerTimeout = Duration.ofSeconds(5);

		private final CircuitBreaker circuitBreaker = new CircuitBreaker();

		public Duration getHandlerTimeout() {
			return this.handlerTimeout;
		}

		public void setHandlerTimeout(Duration handlerTimeout) {
			this.handlerTimeout = handlerTimeout;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public CircuitBreaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

	}

	/**
	 * Bypasses a failing hook for a while.
	 */
	public static class CircuitBreaker {

		/**
		 * Consecutive hook failures that open the circuit breaker.
		 */
		private int failureThreshold = 3;

		/**
		 * How long an open circuit breaker bypasses the hook. At most 3650d.
		 */
		private Duration cooldown = Duration.ofSeconds(10);

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public Duration getCooldown() {
			return this.cooldown;
		}

		public void setCooldown(Duration cooldown) {
			this.cooldown = cooldown;
		}

	}

	/**
	 * The FilaTemplate.
	 */
	public static class Template {

		/**
		 * Whether an enqueue made inside an active Spring transaction is sent after the
		 * transaction commits (and dropped on rollback). Needs spring-tx. A crash between the
		 * commit and the send loses the message: use an outbox table for more.
		 */
		private boolean transactional;

		/**
		 * Whether enqueues are fila.enqueue observations (traces, and timers through
		 * Micrometer's observation handlers), as spring.kafka.template.observation-enabled.
		 * Fila's meters do not depend on it.
		 */
		private boolean observationEnabled;

		public boolean isObservationEnabled() {
			return this.observationEnabled;
		}

		public void setObservationEnabled(boolean observationEnabled) {
			this.observationEnabled = observationEnabled;
		}

		public boolean isTransactional() {
			return this.transactional;
		}

		public void setTransactional(boolean transactional) {
			this.transactional = transactional;
		}

	}

	/**
	 * Every consumer.
	 */
	public static class Listener {

		/**
		 * Whether handler invocations are fila.listener observations (traces, and timers
		 * through Micrometer's observation handlers), as
		 * spring.kafka.listener.observation-enabled. Fila's meters do not depend on it.
		 */
		private boolean observationEnabled;

		public boolean isObservationEnabled() {
			return this.observationEnabled;
		}

		public void setObservationEnabled(boolean observationEnabled) {
			this.observationEnabled = observationEnabled;
		}

	}

}
