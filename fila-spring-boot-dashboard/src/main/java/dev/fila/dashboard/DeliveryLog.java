package dev.fila.dashboard;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;

/**
 * What this instance delivered, per queue: running totals of deliveries and failures (which
 * {@link DeliveryRates} samples into rates) and a ring of the time and fairness key of recent
 * deliveries, for each key's share of the deliveries over the last {@code window} (one minute by
 * default).
 * <p>
 * Memory is bounded whatever the number of fairness keys and the throughput: a ring holds at
 * most {@code capacity} entries ({@value #DEFAULT_CAPACITY} by default), and a key longer than
 * {@value #MAX_KEY_LENGTH} characters is kept shortened (see {@link #loggedKey}). So that the
 * ring spans the whole window when a queue delivers more than {@code capacity} messages in it,
 * {@link #housekeeping()} (which {@link DeliveryRates} calls at every sample) sets a sampling
 * stride from the queue's current rate: then one delivery in {@code stride}, drawn at random, is
 * written with that stride as its weight, and the counts are weighted (an unbiased estimate).
 * Temporary reply queues are not logged; a queue with no delivery nor failure for
 * {@link #IDLE_TIMEOUT} is forgotten.
 * <p>
 * A delivery writes one slot of the ring with no lock; a read counts the slots. A read that
 * races with writers may see a slot's previous delivery, which is as good for a share.
 */
public class DeliveryLog implements FilaMetricsRecorder {

	/** Deliveries remembered per queue by default. */
	public static final int DEFAULT_CAPACITY = 4096;

	/** How far back the shares go by default. */
	public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

	/** The longest fairness key kept as is. */
	public static final int MAX_KEY_LENGTH = 256;

	/** How long a queue with no delivery and no failure is kept. */
	public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

	/** How many characters of a longer key are kept. */
	private static final int SHORTENED_PREFIX = 200;

	private final int capacity;

	private final long windowMillis;

	private final LongSupplier clock;

	private final Map<String, QueueLog> queues = new ConcurrentHashMap<>();

	public DeliveryLog() {
		this(DEFAULT_CAPACITY, DEFAULT_WINDOW, System::currentTimeMillis);
	}

	/**
	 * @param capacity deliveries remembered per queue
	 * @param window how far back the shares go: what the sampling stride aims the ring to span
	 * @param clock the current time in epoch milliseconds
	 */
	public DeliveryLog(int capacity, Duration window, LongSupplier clock) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
		}
		if (window.toMillis() < 1) {
			throw new IllegalArgumentException("window must be at least 1ms, was " + window);
		}
		this.capacity = capacity;
		this.windowMillis = window.toMillis();
		this.clock = clock;
	}

	@Override
	public void delivered(String consumer, String driver, FilaMessage message) {
		QueueLog log = log(message.queue());
		if (log != null) {
			log.delivered(this.clock.getAsLong(), message.fairnessKey());
		}
	}

	@Override
	public void nacked(String consumer, String driver, FilaMessage message, boolean deadLettered) {
		QueueLog log = log(message.queue());
		if (log != null) {
			log.failed(this.clock.getAsLong());
		}
	}

	private @Nullable QueueLog log(String queue) {
		if (queue.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
			return null;
		}
		QueueLog log = this.queues.get(queue);
		return (log != null) ? log : this.queues.computeIfAbsent(queue, (name) -> new QueueLog(this.capacity));
	}

	/**
	 * The fairness key as this log keeps it: the key itself, or for a key longer than
	 * {@value #MAX_KEY_LENGTH} characters its first 200 characters, an ellipsis, a hash and the
	 * length of the whole key, so that a flood of huge keys cannot hold much memory.
	 * @param key a fairness key
	 * @return the key to look up in {@link Counts#byKey()}
	 */
	public static String loggedKey(String key) {
		if (key.length() <= MAX_KEY_LENGTH) {
			return key;
		}
		return key.substring(0, SHORTENED_PREFIX) + "\u2026#" + Integer.toHexString(key.hashCode()) + ":"
				+ key.length();
	}

	/**
	 * @param logged a key as {@link #loggedKey} keeps it
	 * @return whether it is surely the whole key: shorter than the part a shortened key keeps
	 */
	public static boolean isWhole(String logged) {
		return logged.length() < SHORTENED_PREFIX;
	}

	/**
	 * @param queue a queue name
	 * @return the queue's deliveries in the window by fairness key (as {@link #loggedKey} keeps
	 * it), estimated when sampled; when the ring spans less than the window, the ring's
	 */
	public Counts counts(String queue) {
		QueueLog log = this.queues.get(queue);
		return (log != null) ? log.counts(this.clock.getAsLong() - this.windowMillis) : Counts.NONE;
	}

	/**
	 * @param queue a queue name
	 * @return deliveries and failures of the queue since it was first logged
	 */
	public Totals totals(String queue) {
		QueueLog log = this.queues.get(queue);
		return (log != null) ? new Totals(log.delivered.sum(), log.failed.sum()) : new Totals(0, 0);
	}

	/** @return the queues logged now */
	public Set<String> queues() {
		return Set.copyOf(this.queues.keySet());
	}

	/**
	 * Forgets the queues with no delivery and no failure for {@link #IDLE_TIMEOUT} (a delivery
	 * logs them again), and sets each other queue's sampling stride from its rate since the
	 * previous call, so that its ring spans the window. Call it every few seconds.
	 * @return the queues forgotten
	 */
	public Set<String> housekeeping() {
		long now = this.clock.getAsLong();
		long idleSince = now - IDLE_TIMEOUT.toMillis();
		Set<String> forgotten = new HashSet<>();
		this.queues.forEach((queue, log) -> {
			if (log.lastEvent - idleSince < 0) {
				if (this.queues.remove(queue, log)) {
					forgotten.add(queue);
				}
			}
			else {
				log.tune(now, this.capacity, this.windowMillis);
			}
		});
		return forgotten;
	}

	/** @return the deliveries remembered per queue */
	public int getCapacity() {
		return this.capacity;
	}

	/** @return how far back the shares go */
	public Duration getWindow() {
		return Duration.ofMillis(this.windowMillis);
	}

	/**
	 * Running totals of one queue.
	 *
	 * @param delivered messages handed to a handler (or pulled)
	 * @param failed deliveries that failed (retried later or dead-lettered)
	 */
	public record Totals(long delivered, long failed) {
	}

	/**
	 * The deliveries of one queue in the window, estimated when sampled.
	 *
	 * @param total deliveries in the window
	 * @param byKey deliveries in the window per fairness key (as {@link #loggedKey} keeps it)
	 */
	public record Counts(long total, Map<String, Long> byKey) {

		static final Counts NONE = new Counts(0, Map.of());

		/**
		 * @param key a fairness key, as given (it is shortened like the log shortens it)
		 * @return the key's deliveries in the window
		 */
		public long count(String key) {
			Long count = this.byKey.get(loggedKey(key));
			return (count != null) ? count : 0;
		}

		/**
		 * @param key a fairness key, as given
		 * @return the key's share of the window's deliveries, 0 to 1
		 */
		public double share(String key) {
			return (this.total == 0) ? 0 : (double) count(key) / this.total;
		}

	}

	/** One delivery written to the ring, standing for {@code weight} deliveries. */
	private record Delivery(long at, String key, int weight) {
	}

	private static final class QueueLog {

		private final AtomicReferenceArray<Delivery> ring;

		private final AtomicLong next = new AtomicLong();

		private final LongAdder delivered = new LongAdder();

		private final LongAdder failed = new LongAdder();

		private volatile long lastEvent;

		/** One delivery in {@code stride} is written. */
		private volatile int stride = 1;

		private long tunedAt = Long.MIN_VALUE;

		private long tunedDelivered;

		QueueLog(int capacity) {
			this.ring = new AtomicReferenceArray<>(capacity);
		}

		void delivered(long now, String key) {
			this.delivered.increment();
			this.lastEvent = now;
			int stride = this.stride;
			if (stride == 1 || ThreadLocalRandom.current().nextInt(stride) == 0) {
				int slot = (int) (this.next.getAndIncrement() % this.ring.length());
				this.ring.lazySet(slot, new Delivery(now, loggedKey(key), stride));
			}
		}

		void failed(long now) {
			this.failed.increment();
			this.lastEvent = now;
		}

		/** Aims for 80% of the ring per window at the rate since the previous call. */
		synchronized void tune(long now, int capacity, long windowMillis) {
			long total = this.delivered.sum();
			if (this.tunedAt != Long.MIN_VALUE && now - this.tunedAt > 0) {
				double perWindow = (double) (total - this.tunedDelivered) * windowMillis / (now - this.tunedAt);
				this.stride = (int) Math.max(1, Math.min(1_000_000, Math.ceil(perWindow / (capacity * 0.8))));
			}
			this.tunedAt = now;
			this.tunedDelivered = total;
		}

		Counts counts(long since) {
			Map<String, Long> counts = new HashMap<>();
			long total = 0;
			for (int i = 0; i < this.ring.length(); i++) {
				Delivery delivery = this.ring.get(i);
				if (delivery != null && delivery.at() - since >= 0) {
					counts.merge(delivery.key(), (long) delivery.weight(), Long::sum);
					total += delivery.weight();
				}
			}
			return new Counts(total, Map.copyOf(counts));
		}

	}

}
