package dev.fila.actuate;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.core.KeyStats;
import dev.fila.core.QueueStats;
import dev.fila.core.ThrottleStats;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.QueueSpec;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.QueueNames;

/**
 * The {@code fila} actuator endpoint.
 * <ul>
 * <li>{@code GET /actuator/fila}: drivers, every queue with its counts, dead-letter depth and
 * consumers, every consumer, the runtime configuration.</li>
 * <li>{@code GET /actuator/fila/{queue}}: one queue (or dead-letter queue) with the top
 * fairness keys by backlog, each with its share of recent deliveries; {@code ?top=n} (default
 * 20).</li>
 * <li>{@code POST /actuator/fila/{queue}} with {@code {"action": "purge"}} or
 * {@code {"action": "redrive", "count": n}} (on the queue or its {@code .dlq}; without a
 * count, every message).</li>
 * <li>{@code GET /actuator/fila/{queue}/messages}: the oldest pending messages, not leased;
 * {@code ?limit=n} (default 20, at most 1000).</li>
 * <li>{@code GET /actuator/fila/config/{key}}, {@code POST /actuator/fila/config/{key}} with
 * {@code {"value": "..."}}: runtime configuration, as read by Lua with {@code fila.get}.</li>
 * <li>{@code POST /actuator/fila/throttles/{key}} with {@code {"rate": r, "burst": b}}: a
 * token bucket on every driver ({@code burst} defaults to the rate rounded up).</li>
 * </ul>
 * Reads never create a queue: an unknown queue is a 404.
 */
@Endpoint(id = "fila")
public class FilaEndpoint {

	/** Keys listed by default in a queue's breakdown. */
	public static final int DEFAULT_TOP = 20;

	/** Messages shown by default by {@code GET /actuator/fila/{queue}/messages}. */
	public static final int DEFAULT_PEEK = 20;

	private static final String MESSAGES = "messages";

	private static final String CONFIG = "config";

	private static final String THROTTLES = "throttles";

	private final FilaDrivers drivers;

	private final FilaAdmin admin;

	private final @Nullable FilaListenerRegistry listenerRegistry;

	private final @Nullable RecentKeyDeliveries recentDeliveries;

	private final @Nullable FilaFlowControl flowControl;

	/**
	 * @param drivers the drivers, read directly so that reads never create queues
	 * @param admin runs the write operations
	 * @param listenerRegistry the consumers, {@code null} for none
	 * @param recentDeliveries recent deliveries per fairness key, {@code null} when not tracked
	 */
	public FilaEndpoint(FilaDrivers drivers, FilaAdmin admin, @Nullable FilaListenerRegistry listenerRegistry,
			@Nullable RecentKeyDeliveries recentDeliveries) {
		this(drivers, admin, listenerRegistry, recentDeliveries, null);
	}

	/**
	 * @param drivers the drivers, read directly so that reads never create queues
	 * @param admin runs the write operations
	 * @param listenerRegistry the consumers, {@code null} for none
	 * @param recentDeliveries recent deliveries per fairness key, {@code null} when not tracked
	 * @param flowControl the operators' pauses, for the overview; {@code null} to report none
	 */
	public FilaEndpoint(FilaDrivers drivers, FilaAdmin admin, @Nullable FilaListenerRegistry listenerRegistry,
			@Nullable RecentKeyDeliveries recentDeliveries, @Nullable FilaFlowControl flowControl) {
		this.drivers = drivers;
		this.admin = admin;
		this.listenerRegistry = listenerRegistry;
		this.recentDeliveries = recentDeliveries;
		this.flowControl = flowControl;
	}

	/** @return drivers, queues, consumers and runtime configuration */
	@ReadOperation
	public FilaDescriptor fila() {
		Map<String, DriverDescriptor> drivers = new LinkedHashMap<>();
		Map<String, QueueSummaryDescriptor> queues = new TreeMap<>();
		for (FilaDriver driver : this.drivers.all()) {
			try {
				Set<String> names = new TreeSet<>(driver.listQueues());
				for (String name : names) {
					if (QueueSpec.isDeadLetterQueue(name) || name.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
						continue;
					}
					queues.put(name, summary(driver, name, names));
				}
				drivers.put(driver.name(), new DriverDescriptor(driver.type(), null));
			}
			catch (RuntimeException ex) {
				drivers.put(driver.name(), new DriverDescriptor(driver.type(), String.valueOf(ex.getMessage())));
			}
		}
		return new FilaDescriptor(drivers, queues, consumers(null), this.admin.listConfig(""), throttles());
	}

	private Map<String, ThrottleStatsDescriptor> throttles() {
		Map<String, ThrottleStatsDescriptor> throttles = new LinkedHashMap<>();
		try {
			for (ThrottleStats stats : this.admin.throttles()) {
				double available = stats.availablePermits();
				throttles.put(stats.key(), new ThrottleStatsDescriptor(stats.rate(), stats.burst(),
						Double.isNaN(available) ? null : Math.round(available * 100) / 100.0));
			}
		}
		catch (RuntimeException ex) {
			// The default driver is unreachable: its error shows under drivers.
		}
		return throttles;
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @param top how many fairness keys to list, largest backlog first
	 * @return the queue's statistics with a per fairness key breakdown, or {@code null} (404)
	 * when no driver has the queue
	 */
	@ReadOperation
	public @Nullable QueueDescriptor queue(@Selector String queue, @Nullable Integer top) {
		FilaDriver driver = driverOf(queue);
		if (driver == null) {
			return null;
		}
		int limit = (top != null) ? top : DEFAULT_TOP;
		if (limit < 0) {
			throw new InvalidEndpointRequestException("top must not be negative, was " + limit, "Invalid top");
		}
		// Through the admin: the stats with the operator's pauses and weight overrides.
		QueueStats stats = this.admin.stats(queue);
		RecentKeyDeliveries.Counts recent = (this.recentDeliveries != null) ? this.recentDeliveries.counts(queue)
				: new RecentKeyDeliveries.Counts(0, Map.of());
		double backlogWeights = 0;
		for (KeyStats key : stats.keys()) {
			if (key.pending() > 0 && !key.paused()) {
				backlogWeights += key.weight();
			}
		}
		List<KeyStats> byBacklog = new ArrayList<>(stats.keys());
		byBacklog.sort(Comparator.comparingLong((KeyStats key) -> key.pending() + key.delayed())
			.reversed()
			.thenComparing(KeyStats::key));
		List<KeyDescriptor> keys = new ArrayList<>();
		for (KeyStats key : byBacklog.subList(0, Math.min(limit, byBacklog.size()))) {
			double fairShare = (key.pending() > 0 && !key.paused() && backlogWeights > 0)
					? key.weight() / backlogWeights : 0;
			keys.add(new KeyDescriptor(key.key(), key.pending(), key.inFlight(), key.delayed(), key.weight(),
					round(fairShare), recent.count(key.key()), round(recent.share(key.key())), key.paused(),
					key.maxInFlight()));
		}
		DeadLetterDescriptor deadLetter = null;
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		if (!QueueSpec.isDeadLetterQueue(queue) && driver.queueExists(dlq)) {
			QueueStats dlqStats = driver.stats(dlq);
			deadLetter = new DeadLetterDescriptor(dlq, dlqStats.pending() + dlqStats.delayed());
		}
		return new QueueDescriptor(queue, driver.name(), stats.pending(), stats.inFlight(), stats.delayed(),
				driver.expiredLeases(queue), deadLetter, consumers(queue), stats.keys().size(),
				new RecentDeliveriesDescriptor((this.recentDeliveries != null) ? this.recentDeliveries.getWindow() : 0,
						recent.total()),
				keys, stats.paused());
	}

	/**
	 * A runtime configuration value ({@code /fila/config/{key}}) or a queue's oldest pending
	 * messages ({@code /fila/{queue}/messages?limit=n}).
	 * @param section {@code config}, or a queue or dead-letter queue name
	 * @param key a runtime configuration key, or {@code messages}
	 * @param limit for messages, how many (default {@value #DEFAULT_PEEK}, at most
	 * {@value FilaAdmin#MAX_PEEK})
	 * @return the value or the messages; {@code null} (404) for a configuration key that is not set
	 */
	@ReadOperation
	public @Nullable Object entry(@Selector String section, @Selector String key, @Nullable Integer limit) {
		if (CONFIG.equals(section)) {
			return this.admin.getConfig(key).map((value) -> new ConfigEntryDescriptor(key, value)).orElse(null);
		}
		if (MESSAGES.equals(key)) {
			return messages(section, (limit != null) ? limit : DEFAULT_PEEK);
		}
		throw new InvalidEndpointRequestException(
				"Unknown section '" + section + "': use /fila/config/{key} or /fila/{queue}/messages", "Unknown section");
	}

	private List<MessageDescriptor> messages(String queue, int limit) {
		// Checked here too, so that the error names the endpoint's parameter.
		if (limit < 1 || limit > FilaAdmin.MAX_PEEK) {
			throw new InvalidEndpointRequestException(
					"limit must be between 1 and " + FilaAdmin.MAX_PEEK + ", was " + limit, "Invalid limit");
		}
		requireQueue(queue);
		try {
			return this.admin.peek(queue, limit).stream().map(MessageDescriptor::of).toList();
		}
		catch (UnsupportedOperationException ex) {
			throw new InvalidEndpointRequestException(String.valueOf(ex.getMessage()), "Peek not supported");
		}
	}

	/**
	 * Purges a queue, redrives a dead-letter queue, or pauses or resumes a queue or one of its
	 * fairness keys.
	 * @param queue the queue; for a redrive, the queue or its dead-letter queue
	 * @param action {@code purge}, {@code redrive}, {@code pause} or {@code resume}
	 * @param count for a redrive, the most messages to move (default: all); refused for a purge
	 * @param key for {@code pause} and {@code resume}: the fairness key (default: the whole queue);
	 * refused for a purge or redrive, which act on every key
	 * @return what was done
	 */
	@WriteOperation
	public QueueActionDescriptor queueAction(@Selector String queue, String action, @Nullable Integer count,
			@Nullable String key) {
		if ("pause".equals(action) || "resume".equals(action)) {
			requireQueue(queue);
			boolean pause = "pause".equals(action);
			if (key == null) {
				if (pause) {
					this.admin.pause(queue);
				}
				else {
					this.admin.resume(queue);
				}
				return new QueueActionDescriptor(queue, action, null, 0);
			}
			if (key.isEmpty()) {
				throw new InvalidEndpointRequestException("key must not be empty", "Invalid key");
			}
			if (pause) {
				this.admin.pauseKey(queue, key);
			}
			else {
				this.admin.resumeKey(queue, key);
			}
			return new QueueActionDescriptor(queue, action, key, 0);
		}
		if ("purge".equals(action) || "redrive".equals(action)) {
			// These act on the whole queue: a key or count they cannot honour must not widen them.
			if (key != null) {
				throw new InvalidEndpointRequestException(
						"Action '" + action + "' takes no \"key\" (it acts on every key), was '" + key + "'", "Invalid key");
			}
			if (count != null && "purge".equals(action)) {
				throw new InvalidEndpointRequestException(
						"Action 'purge' takes no \"count\" (it removes every message), was " + count, "Invalid count");
			}
		}
		if ("purge".equals(action)) {
			requireQueue(queue);
			long removed = this.admin.purge(queue);
			if (this.recentDeliveries != null) {
				this.recentDeliveries.forget(queue);
			}
			return new QueueActionDescriptor(queue, action, null, removed);
		}
		if ("redrive".equals(action)) {
			int limit = (count != null) ? count : Integer.MAX_VALUE;
			if (limit < 0) {
				throw new InvalidEndpointRequestException("count must not be negative, was " + limit, "Invalid count");
			}
			String dlq = QueueSpec.isDeadLetterQueue(queue) ? queue : QueueSpec.deadLetterQueueOf(queue);
			requireQueue(dlq);
			return new QueueActionDescriptor(dlq, action, null, this.admin.redrive(dlq, limit));
		}
		throw new InvalidEndpointRequestException(
				"Unknown action '" + action + "': use 'purge', 'redrive', 'pause' or 'resume'",
				"Unknown action");
	}

	/**
	 * Sets a runtime configuration value or a throttle.
	 * @param section {@code config} or {@code throttles}
	 * @param key the configuration key or throttle key
	 * @param value for {@code config}: the value
	 * @param rate for {@code throttles}: permits per second
	 * @param burst for {@code throttles}: the bucket size (default: the rate rounded up)
	 * @return the new setting
	 */
	@WriteOperation
	public Object update(@Selector String section, @Selector String key, @Nullable String value,
			@Nullable Double rate, @Nullable Long burst) {
		if (CONFIG.equals(section)) {
			if (value == null) {
				throw new InvalidEndpointRequestException("Setting config '" + key + "' needs a \"value\"",
						"Missing value");
			}
			this.admin.setConfig(key, value);
			return new ConfigEntryDescriptor(key, value);
		}
		if (THROTTLES.equals(section)) {
			if (rate == null) {
				throw new InvalidEndpointRequestException("Setting throttle '" + key + "' needs a \"rate\"",
						"Missing rate");
			}
			long effectiveBurst = (burst != null) ? burst : Math.max(1, (long) Math.ceil(rate));
			try {
				this.admin.setThrottle(key, rate, effectiveBurst);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidEndpointRequestException(String.valueOf(ex.getMessage()), "Invalid throttle");
			}
			return new ThrottleDescriptor(key, rate, effectiveBurst);
		}
		throw new InvalidEndpointRequestException(
				"Unknown section '" + section + "': use /fila/config/{key} or /fila/throttles/{key}",
				"Unknown section");
	}

	private void requireQueue(String queue) {
		String problem = QueueNames.problem(QueueSpec.isDeadLetterQueue(queue) ? QueueNames.sourceOf(queue) : queue);
		if (problem != null) {
			throw new InvalidEndpointRequestException("Invalid queue name '" + queue + "': " + problem,
					"Invalid queue name");
		}
		if (driverOf(queue) == null) {
			throw new InvalidEndpointRequestException("No queue '" + queue + "'", "Unknown queue");
		}
	}

	private @Nullable FilaDriver driverOf(String queue) {
		for (FilaDriver driver : this.drivers.all()) {
			if (driver.queueExists(queue)) {
				return driver;
			}
		}
		return null;
	}

	private QueueSummaryDescriptor summary(FilaDriver driver, String queue, Set<String> names) {
		QueueStats stats = driver.stats(queue);
		String dlq = QueueSpec.deadLetterQueueOf(queue);
		DeadLetterDescriptor deadLetter = null;
		if (names.contains(dlq)) {
			QueueStats dlqStats = driver.stats(dlq);
			deadLetter = new DeadLetterDescriptor(dlq, dlqStats.pending() + dlqStats.delayed());
		}
		List<String> consumers = new ArrayList<>(consumers(queue).keySet());
		return new QueueSummaryDescriptor(driver.name(), stats.pending(), stats.inFlight(), stats.delayed(),
				stats.keys().size(), deadLetter, consumers,
				this.flowControl != null && this.flowControl.isPaused(queue));
	}

	private Map<String, ConsumerDescriptor> consumers(@Nullable String queue) {
		Map<String, ConsumerDescriptor> consumers = new TreeMap<>();
		if (this.listenerRegistry == null) {
			return consumers;
		}
		for (FilaListenerContainer container : this.listenerRegistry.getContainers()) {
			if (queue == null || queue.equals(container.getQueueName())) {
				consumers.put(container.getId(),
						new ConsumerDescriptor(container.getQueueName(), container.getDriverName(), container.isRunning(),
								container.getSettings().concurrency(), container.getSettings().prefetch(),
								container.getBusyWorkers(), container.getBuffered()));
			}
		}
		return consumers;
	}

	private static double round(double share) {
		return Math.round(share * 10_000) / 10_000.0;
	}

	/**
	 * Everything at a glance.
	 *
	 * @param drivers the drivers by name
	 * @param queues the queues by name (dead-letter queues appear under their queue)
	 * @param consumers the consumers by id
	 * @param config the runtime configuration
	 * @param throttles the throttles by key
	 */
	public record FilaDescriptor(Map<String, DriverDescriptor> drivers, Map<String, QueueSummaryDescriptor> queues,
			Map<String, ConsumerDescriptor> consumers, Map<String, String> config,
			Map<String, ThrottleStatsDescriptor> throttles) {
	}

	/**
	 * A driver.
	 *
	 * @param type its type
	 * @param error why its queues could not be listed, or {@code null}
	 */
	public record DriverDescriptor(String type, @Nullable String error) {
	}

	/**
	 * A queue in the overview.
	 *
	 * @param driver its driver
	 * @param pending messages ready for delivery (throttled ones included)
	 * @param inFlight messages leased to consumers
	 * @param delayed messages waiting for a retry delay
	 * @param fairnessKeys fairness keys with messages
	 * @param deadLetter its dead-letter queue, or {@code null}
	 * @param consumers ids of the consumers in this application
	 * @param paused whether an operator paused the whole queue
	 */
	public record QueueSummaryDescriptor(String driver, long pending, long inFlight, long delayed, int fairnessKeys,
			@Nullable DeadLetterDescriptor deadLetter, List<String> consumers, boolean paused) {

		/** A summary of a queue that is not paused, as before {@code paused} was reported. */
		public QueueSummaryDescriptor(String driver, long pending, long inFlight, long delayed, int fairnessKeys,
				@Nullable DeadLetterDescriptor deadLetter, List<String> consumers) {
			this(driver, pending, inFlight, delayed, fairnessKeys, deadLetter, consumers, false);
		}

	}

	/**
	 * A dead-letter queue.
	 *
	 * @param queue its name
	 * @param depth the messages it holds
	 */
	public record DeadLetterDescriptor(String queue, long depth) {
	}

	/**
	 * A consumer.
	 *
	 * @param queue the queue it consumes
	 * @param driver the queue's driver
	 * @param running whether it runs
	 * @param concurrency its workers
	 * @param prefetch its buffer size
	 * @param busyWorkers workers running a handler now
	 * @param buffered messages fetched and waiting for a worker
	 */
	public record ConsumerDescriptor(String queue, String driver, boolean running, int concurrency, int prefetch,
			int busyWorkers, int buffered) {
	}

	/**
	 * One queue in detail.
	 *
	 * @param queue its name
	 * @param driver its driver
	 * @param pending messages ready for delivery (throttled ones included)
	 * @param inFlight messages leased to consumers
	 * @param delayed messages waiting for a retry delay
	 * @param expiredLeases leases that ran out so far (0 when the driver does not count)
	 * @param deadLetter its dead-letter queue, or {@code null}
	 * @param consumers its consumers in this application
	 * @param fairnessKeys fairness keys with messages
	 * @param recentDeliveries the window the delivered shares are computed over
	 * @param keys the top fairness keys by backlog (pending plus delayed)
	 * @param paused whether the queue is paused
	 */
	public record QueueDescriptor(String queue, String driver, long pending, long inFlight, long delayed,
			long expiredLeases, @Nullable DeadLetterDescriptor deadLetter, Map<String, ConsumerDescriptor> consumers,
			int fairnessKeys, RecentDeliveriesDescriptor recentDeliveries, List<KeyDescriptor> keys, boolean paused) {
	}

	/**
	 * The recent deliveries window of a queue, in this application.
	 *
	 * @param window how many deliveries are remembered
	 * @param counted how many are in the window now
	 */
	public record RecentDeliveriesDescriptor(int window, int counted) {
	}

	/**
	 * One fairness key.
	 *
	 * @param key the key
	 * @param pending its messages ready for delivery
	 * @param inFlight its messages leased to consumers
	 * @param delayed its messages waiting for a retry delay
	 * @param weight its weight (an operator's override, or what hooks gave it)
	 * @param fairShare the share of deliveries deficit round robin gives it while the keys with
	 * pending messages keep a backlog: its weight over theirs (0 without pending messages)
	 * @param recentDeliveries its deliveries among the queue's recent ones
	 * @param deliveredShare its share of the queue's recent deliveries, 0 to 1
	 * @param paused whether the key is paused (its fair share is then 0)
	 * @param maxInFlight the most of its messages leased at once, 0 for no limit
	 */
	public record KeyDescriptor(String key, long pending, long inFlight, long delayed, double weight, double fairShare,
			int recentDeliveries, double deliveredShare, boolean paused, int maxInFlight) {
	}

	/**
	 * A pending message, as peeked.
	 *
	 * @param id the message id
	 * @param fairnessKey its fairness key
	 * @param weight its key's weight
	 * @param attempts deliveries so far
	 * @param enqueuedAt when it was enqueued
	 * @param headers its headers (a dead-letter's {@code fila-error} included)
	 * @param payloadBytes the payload's size
	 * @param payload the payload as UTF-8 text, its first {@value #PAYLOAD_SHOWN} bytes; {@code null}
	 * when it is not valid UTF-8
	 * @param payloadBase64 the first {@value #PAYLOAD_SHOWN} bytes in Base64 when the payload is
	 * not UTF-8 text, else {@code null}
	 */
	public record MessageDescriptor(String id, String fairnessKey, double weight, int attempts, Instant enqueuedAt,
			Map<String, String> headers, int payloadBytes, @Nullable String payload, @Nullable String payloadBase64) {

		/** Payload bytes shown at most, so that a huge message does not flood the response. */
		public static final int PAYLOAD_SHOWN = 4096;

		static MessageDescriptor of(FilaMessage message) {
			byte[] payload = message.payload();
			int shown = Math.min(payload.length, PAYLOAD_SHOWN);
			// Cut at a character boundary: a UTF-8 continuation byte (10xxxxxx) after the cut
			// means the last character would be split. A character has at most 3 of them: more
			// is not UTF-8 (shown in Base64), and must not shrink what is shown to nothing.
			int limit = Math.max(0, shown - 3);
			while (shown > limit && shown < payload.length && (payload[shown] & 0xC0) == 0x80) {
				shown--;
			}
			String text = utf8(payload, shown);
			return new MessageDescriptor(message.id(), message.fairnessKey(), message.weight(), message.attempts(),
					message.enqueuedAt(), message.headers(), payload.length, text,
					(text != null) ? null : Base64.getEncoder().encodeToString(Arrays.copyOf(payload, shown)));
		}

		private static @Nullable String utf8(byte[] bytes, int length) {
			try {
				return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
			}
			catch (CharacterCodingException ex) {
				return null;
			}
		}

	}

	/**
	 * A runtime configuration entry.
	 *
	 * @param key the key
	 * @param value the value
	 */
	public record ConfigEntryDescriptor(String key, String value) {
	}

	/**
	 * A throttle.
	 *
	 * @param key the throttle key
	 * @param rate permits per second
	 * @param burst the bucket size
	 */
	public record ThrottleDescriptor(String key, double rate, long burst) {
	}

	/**
	 * A throttle with its bucket's state.
	 *
	 * @param rate permits per second
	 * @param burst the bucket size
	 * @param availablePermits permits the bucket on the default driver holds now (two decimals),
	 * or {@code null} when the driver cannot tell
	 */
	public record ThrottleStatsDescriptor(double rate, long burst, @Nullable Double availablePermits) {
	}

	/**
	 * The result of a purge, redrive, pause or resume.
	 *
	 * @param queue the queue acted on
	 * @param action {@code purge}, {@code redrive}, {@code pause} or {@code resume}
	 * @param key the fairness key paused or resumed, or {@code null} for the whole queue
	 * @param count messages removed or moved (0 for a pause or resume)
	 */
	public record QueueActionDescriptor(String queue, String action, @Nullable String key, long count) {
	}

}
