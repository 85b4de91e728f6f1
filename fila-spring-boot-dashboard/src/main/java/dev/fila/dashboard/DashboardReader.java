package dev.fila.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import dev.fila.actuate.FilaEndpoint;
import dev.fila.actuate.FilaEndpoint.ConsumerDescriptor;
import dev.fila.actuate.FilaEndpoint.KeyDescriptor;
import dev.fila.actuate.FilaEndpoint.QueueDescriptor;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaHeaders;
import dev.fila.core.FilaMessage;
import dev.fila.core.QueueNotFoundException;
import dev.fila.core.ThrottleStats;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.QueueSpec;
import dev.fila.queue.QueueNames;

/**
 * What the dashboard shows, read from the {@link FilaEndpoint} (queue and key summaries,
 * consumers, throttles, runtime configuration), the {@link FilaAdmin} (pauses, peeks at the
 * next messages and dead letters) and this instance's {@link DeliveryLog} and
 * {@link DeliveryRates}. Reads never create a queue.
 * <p>
 * What a read costs: the overview reads every queue's statistics once (the endpoint's
 * summary, which says whether the queue is paused); a queue's detail reads its statistics and peeks
 * at its next messages, at most once per {@link #PEEK_TTL} per queue whatever the number of
 * viewers, and at most {@link #PEEK_BUDGET} messages over all its keys (see
 * {@link FilaAdmin#peek}): with more keys than that, the oldest age, throttle and priority of
 * the keys are not shown.
 */
public class DashboardReader {

	/** How long one peek at a queue's next messages is reused. */
	public static final Duration PEEK_TTL = Duration.ofSeconds(5);

	/** The most messages one peek may read over all the keys of a queue (front of each key). */
	public static final int PEEK_BUDGET = 20_000;

	/** Keys listed by default in a queue's detail, by backlog (and as many by recent deliveries). */
	public static final int DEFAULT_TOP = 20;

	/** The most keys listed by backlog in a queue's detail. */
	public static final int MAX_TOP = 500;

	/** Dead letters listed by default. */
	public static final int DEFAULT_DEAD_LETTERS = 50;

	/** The longest {@code fila-error} shown; the rest is cut. */
	public static final int MAX_ERROR_LENGTH = 4000;

	private final FilaEndpoint endpoint;

	private final FilaAdmin admin;

	private final FilaDrivers drivers;

	private final DeliveryLog log;

	private final DeliveryRates rates;

	private final LongSupplier clock;

	private final KeyHeads heads;

	/**
	 * @param endpoint the summaries of queues, keys and consumers
	 * @param admin pauses, peeks and throttles
	 * @param drivers the drivers, to tell a missing queue without creating it
	 * @param log this instance's recent deliveries
	 * @param rates this instance's delivery rates
	 */
	public DashboardReader(FilaEndpoint endpoint, FilaAdmin admin, FilaDrivers drivers, DeliveryLog log,
			DeliveryRates rates) {
		this(endpoint, admin, drivers, log, rates, System::currentTimeMillis);
	}

	DashboardReader(FilaEndpoint endpoint, FilaAdmin admin, FilaDrivers drivers, DeliveryLog log, DeliveryRates rates,
			LongSupplier clock) {
		this.endpoint = endpoint;
		this.admin = admin;
		this.drivers = drivers;
		this.log = log;
		this.rates = rates;
		this.clock = clock;
		this.heads = new KeyHeads(admin, PEEK_TTL, PEEK_BUDGET);
	}

	/**
	 * @param readOnly whether the dashboard allows no action, told to the page
	 * @return every queue with its counts, consumers and rates, the throttles, the runtime
	 * configuration and the drivers
	 */
	public Overview overview(boolean readOnly) {
		FilaEndpoint.FilaDescriptor fila = this.endpoint.fila();
		List<QueueRow> queues = new ArrayList<>();
		fila.queues().forEach((name, summary) -> {
			Consumers consumers = Consumers.of(fila.consumers().values(), name);
			FilaEndpoint.DeadLetterDescriptor deadLetter = summary.deadLetter();
			queues.add(new QueueRow(name, summary.driver(), summary.pending(), summary.inFlight(), summary.delayed(),
					(deadLetter != null) ? deadLetter.depth() : 0, (deadLetter != null) ? deadLetter.queue() : null,
					consumers.count(), consumers.running(), consumers.busyWorkers(), summary.paused(),
					summary.fairnessKeys(), this.rates.rates(name)));
		});
		List<ThrottleRow> throttles = new ArrayList<>();
		fila.throttles()
			.forEach((key, throttle) -> throttles
				.add(new ThrottleRow(key, throttle.rate(), throttle.burst(), throttle.availablePermits())));
		List<ConfigRow> config = new ArrayList<>();
		fila.config().forEach((key, value) -> config.add(new ConfigRow(key, value)));
		List<DriverRow> drivers = new ArrayList<>();
		fila.drivers().forEach((name, driver) -> drivers.add(new DriverRow(name, driver.type(), driver.error())));
		return new Overview(readOnly, this.clock.getAsLong(), queues, throttles, config, drivers);
	}

	/**
	 * @param queue a queue or dead-letter queue name
	 * @param top how many keys to list by backlog; as many more are listed by recent deliveries
	 * @return the queue with its top keys, each with its shares, oldest message and why it
	 * waits, or {@code null} when no driver has the queue
	 */
	public @Nullable QueueDetail queue(String queue, int top) {
		if (top < 1 || top > MAX_TOP) {
			throw new IllegalArgumentException("top must be between 1 and " + MAX_TOP + ", was " + top);
		}
		QueueDescriptor descriptor = this.endpoint.queue(queue, Integer.MAX_VALUE);
		if (descriptor == null) {
			return null;
		}
		long now = this.clock.getAsLong();
		Consumers consumers = Consumers.of(descriptor.consumers().values(), queue);
		DeliveryLog.Counts recent = this.log.counts(queue);
		KeyHeads.Heads heads = this.heads.of(queue, descriptor.fairnessKeys(), now);
		Map<String, Double> permits = permits();
		Integer highestPriority = null;
		for (KeyDescriptor key : descriptor.keys()) {
			KeyHeads.Head head = heads.byKey().get(key.key());
			if (head != null && key.pending() > 0 && !key.paused()) {
				highestPriority = (highestPriority == null) ? head.priority()
						: Math.max(highestPriority, head.priority());
			}
		}
		KeyWaits.Queue waitsQueue = new KeyWaits.Queue(descriptor.paused(), consumers.running() > 0, highestPriority);
		List<KeyRow> keys = new ArrayList<>();
		for (KeyDescriptor key : selectKeys(descriptor.keys(), recent, top)) {
			KeyHeads.Head head = heads.byKey().get(key.key());
			String waits = KeyWaits.of(new KeyWaits.Key(key.pending(), key.inFlight(), key.paused(), key.maxInFlight()),
					waitsQueue, (head != null) ? head.waits() : null, permits);
			boolean known = key.pending() + key.inFlight() + key.delayed() > 0 || key.weight() > 0;
			keys.add(new KeyRow(key.key(), key.pending(), key.inFlight(), key.delayed(), known ? key.weight() : null,
					percent(key.fairShare()), percent(recent.share(key.key())), recent.count(key.key()),
					(head != null) ? Math.max(0, now - head.oldestEnqueuedAt()) : null, key.paused(),
					key.maxInFlight(), waits, (head != null) ? head.priority() : null));
		}
		FilaEndpoint.DeadLetterDescriptor deadLetter = descriptor.deadLetter();
		return new QueueDetail(descriptor.queue(), descriptor.driver(), descriptor.paused(), descriptor.pending(),
				descriptor.inFlight(), descriptor.delayed(), (deadLetter != null) ? deadLetter.depth() : 0,
				(deadLetter != null) ? deadLetter.queue() : null, QueueSpec.isDeadLetterQueue(queue),
				descriptor.fairnessKeys(), consumers.count(), consumers.running(), consumers.busyWorkers(),
				heads.supported(), this.log.getWindow().toMillis(), recent.total(), keys);
	}

	/**
	 * The top keys by backlog, then the keys with the most deliveries in the window that are not
	 * among them (a key served as fast as it enqueues has no backlog but a share).
	 */
	private static List<KeyDescriptor> selectKeys(List<KeyDescriptor> byBacklog, DeliveryLog.Counts recent,
			int top) {
		Map<String, KeyDescriptor> selected = new LinkedHashMap<>();
		for (KeyDescriptor key : byBacklog.subList(0, Math.min(top, byBacklog.size()))) {
			selected.put(key.key(), key);
		}
		Map<String, KeyDescriptor> all = new HashMap<>();
		for (KeyDescriptor key : byBacklog) {
			all.put(DeliveryLog.loggedKey(key.key()), key);
		}
		List<Map.Entry<String, Long>> delivered = new ArrayList<>(recent.byKey().entrySet());
		delivered.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
		int added = 0;
		for (Map.Entry<String, Long> entry : delivered) {
			if (added == top) {
				break;
			}
			KeyDescriptor key = all.get(entry.getKey());
			if (key == null) {
				if (!DeliveryLog.isWhole(entry.getKey())) {
					// Possibly shortened by the log: not a key that actions could name.
					continue;
				}
				key = new KeyDescriptor(entry.getKey(), 0, 0, 0, 0, 0, 0, 0, false, 0);
			}
			if (selected.putIfAbsent(key.key(), key) == null) {
				added++;
			}
		}
		return new ArrayList<>(selected.values());
	}

	private Map<String, Double> permits() {
		Map<String, Double> permits = new HashMap<>();
		try {
			for (ThrottleStats throttle : this.admin.throttles()) {
				permits.put(throttle.key(), throttle.availablePermits());
			}
		}
		catch (RuntimeException ex) {
			// The default driver is unreachable: no throttle reason shown.
		}
		return permits;
	}

	/**
	 * @param queue a queue or its dead-letter queue
	 * @param limit the most messages, 1 to {@link FilaAdmin#MAX_PEEK}
	 * @return the oldest messages of the queue's dead-letter queue (empty when it has none or its
	 * driver cannot peek), or {@code null} when no driver has the queue
	 */
	public @Nullable List<DeadLetter> deadLetters(String queue, int limit) {
		if (limit < 1 || limit > FilaAdmin.MAX_PEEK) {
			throw new IllegalArgumentException("limit must be between 1 and " + FilaAdmin.MAX_PEEK + ", was " + limit);
		}
		String deadLetterQueue = QueueSpec.isDeadLetterQueue(queue) ? queue : QueueSpec.deadLetterQueueOf(queue);
		if (!exists(deadLetterQueue)) {
			return exists(queue) ? List.of() : null;
		}
		List<FilaMessage> messages;
		try {
			messages = this.admin.peek(deadLetterQueue, limit);
		}
		catch (UnsupportedOperationException | QueueNotFoundException ex) {
			return List.of();
		}
		List<DeadLetter> deadLetters = new ArrayList<>(messages.size());
		for (FilaMessage message : messages) {
			deadLetters.add(DeadLetter.of(message, deadLetterQueue));
		}
		return deadLetters;
	}

	private boolean exists(String queue) {
		for (FilaDriver driver : this.drivers.all()) {
			if (driver.queueExists(queue)) {
				return true;
			}
		}
		return false;
	}

	private static double percent(double share) {
		return Math.round(share * 10_000) / 100.0;
	}

	private record Consumers(int count, int running, int busyWorkers) {

		static Consumers of(Iterable<ConsumerDescriptor> consumers, String queue) {
			int count = 0;
			int running = 0;
			int busy = 0;
			for (ConsumerDescriptor consumer : consumers) {
				if (queue.equals(consumer.queue())) {
					count++;
					running += consumer.running() ? 1 : 0;
					busy += consumer.busyWorkers();
				}
			}
			return new Consumers(count, running, busy);
		}

	}

	/**
	 * Everything at a glance.
	 *
	 * @param readOnly whether the dashboard allows no action
	 * @param generatedAt when this was read, in epoch milliseconds
	 * @param queues the queues, by name (dead-letter queues under their queue)
	 * @param throttles the throttles, by key
	 * @param config the runtime configuration, by key
	 * @param drivers the drivers, by name
	 */
	public record Overview(boolean readOnly, long generatedAt, List<QueueRow> queues, List<ThrottleRow> throttles,
			List<ConfigRow> config, List<DriverRow> drivers) {
	}

	/**
	 * A queue in the overview.
	 *
	 * @param name its name
	 * @param driver its driver
	 * @param pending messages ready for delivery (throttled ones included)
	 * @param inFlight messages leased to consumers
	 * @param delayed messages waiting for a retry delay or a delayed enqueue
	 * @param deadLettered messages in its dead-letter queue
	 * @param deadLetterQueue its dead-letter queue, {@code null} when it has none
	 * @param consumers its consumers in this instance
	 * @param runningConsumers those of them running
	 * @param busyWorkers their workers running a handler now
	 * @param paused whether the queue is paused
	 * @param fairnessKeys fairness keys with messages
	 * @param rates deliveries and failures per second in this instance, oldest first
	 */
	public record QueueRow(String name, String driver, long pending, long inFlight, long delayed, long deadLettered,
			@Nullable String deadLetterQueue, int consumers, int runningConsumers, int busyWorkers, boolean paused,
			int fairnessKeys, List<DeliveryRates.Rate> rates) {
	}

	/**
	 * A throttle.
	 *
	 * @param key its key
	 * @param rate permits per second
	 * @param burst its bucket size
	 * @param available permits in its bucket on the default driver now, {@code null} when the
	 * driver cannot tell
	 */
	public record ThrottleRow(String key, double rate, long burst, @Nullable Double available) {
	}

	/**
	 * A runtime configuration entry.
	 *
	 * @param key its key
	 * @param value its value
	 */
	public record ConfigRow(String key, String value) {
	}

	/**
	 * A driver.
	 *
	 * @param name its name
	 * @param type its type
	 * @param error why its queues could not be read, {@code null} when they could
	 */
	public record DriverRow(String name, String type, @Nullable String error) {
	}

	/**
	 * One queue in detail.
	 *
	 * @param name its name
	 * @param driver its driver
	 * @param paused whether the queue is paused
	 * @param pending messages ready for delivery
	 * @param inFlight messages leased to consumers
	 * @param delayed messages waiting for a delay
	 * @param deadLettered messages in its dead-letter queue
	 * @param deadLetterQueue its dead-letter queue, {@code null} when it has none
	 * @param deadLetterQueueView whether this is itself a dead-letter queue
	 * @param fairnessKeys fairness keys with messages
	 * @param consumers its consumers in this instance
	 * @param runningConsumers those of them running
	 * @param busyWorkers their workers running a handler now
	 * @param peekSupported whether its driver can peek (oldest ages, throttle and priority reasons)
	 * @param shareWindowMillis the window of the delivered shares
	 * @param deliveredInWindow deliveries in this instance in that window (estimated above
	 * {@link DeliveryLog#getCapacity()} deliveries per window)
	 * @param keys the top keys by backlog, then by recent deliveries
	 */
	public record QueueDetail(String name, String driver, boolean paused, long pending, long inFlight, long delayed,
			long deadLettered, @Nullable String deadLetterQueue, boolean deadLetterQueueView, int fairnessKeys,
			int consumers, int runningConsumers, int busyWorkers, boolean peekSupported, long shareWindowMillis,
			long deliveredInWindow, List<KeyRow> keys) {
	}

	/**
	 * One fairness key of a queue.
	 *
	 * @param key the key
	 * @param pending its messages ready for delivery
	 * @param inFlight its messages leased
	 * @param delayed its messages waiting for a delay
	 * @param weight its weight, {@code null} when it has no message (listed for its deliveries)
	 * @param entitledShare the share of deliveries its weight entitles it to while the keys with
	 * pending messages keep a backlog, in percent (0 without pending messages or when paused)
	 * @param deliveredShare its share of this instance's deliveries of the queue over the last
	 * minute, in percent
	 * @param delivered its deliveries in this instance over the last minute (estimated above
	 * {@link DeliveryLog#getCapacity()} deliveries per minute)
	 * @param oldestAgeMillis the age of its oldest pending message, {@code null} when unknown
	 * @param paused whether the key is paused
	 * @param maxInFlight its in-flight limit, 0 for none
	 * @param waits why it waits (see {@link KeyWaits}), empty when it does not
	 * @param priority the priority of its next message, {@code null} when unknown
	 */
	public record KeyRow(String key, long pending, long inFlight, long delayed, @Nullable Double weight,
			double entitledShare, double deliveredShare, long delivered, @Nullable Long oldestAgeMillis, boolean paused, int maxInFlight,
			String waits, @Nullable Integer priority) {
	}

	/**
	 * A dead-lettered message.
	 *
	 * @param id its id
	 * @param error its {@code fila-error} header, cut at {@value #MAX_ERROR_LENGTH} characters
	 * @param attempts its deliveries before it was dead-lettered
	 * @param sourceQueue the queue it came from
	 * @param enqueuedAt when it was first enqueued (ISO-8601)
	 * @param fairnessKey its fairness key
	 */
	public record DeadLetter(String id, @Nullable String error, int attempts, String sourceQueue, String enqueuedAt,
			String fairnessKey) {

		static DeadLetter of(FilaMessage message, String deadLetterQueue) {
			Map<String, String> headers = message.headers();
			String error = headers.get(FilaHeaders.ERROR);
			if (error != null && error.length() > MAX_ERROR_LENGTH) {
				error = error.substring(0, MAX_ERROR_LENGTH) + "\u2026";
			}
			int attempts = message.attempts();
			String attemptsHeader = headers.get(FilaHeaders.ATTEMPTS);
			if (attemptsHeader != null) {
				try {
					attempts = Integer.parseInt(attemptsHeader.trim());
				}
				catch (NumberFormatException ex) {
					// Keep the delivery count.
				}
			}
			String source = headers.get(FilaHeaders.SOURCE_QUEUE);
			Instant enqueuedAt = message.enqueuedAt();
			return new DeadLetter(message.id(), error, attempts,
					(source != null) ? source : QueueNames.sourceOf(deadLetterQueue),
					enqueuedAt.toString(), message.fairnessKey());
		}

	}

}
