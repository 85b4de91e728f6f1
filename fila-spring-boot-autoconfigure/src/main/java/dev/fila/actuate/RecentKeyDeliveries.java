package dev.fila.actuate;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;

/**
 * Which fairness keys the last deliveries of each queue went to: a sliding window of the
 * last {@code window} deliveries per queue (the default 1,000). Memory stays bounded whatever
 * the number of keys: at most {@code window} entries per queue. Used by the {@code fila}
 * endpoint to show each key's share of recent deliveries next to its backlog.
 * <p>
 * A delivery writes its key into a ring, with no lock: the counts per key are made when the
 * endpoint reads them. A listener container binds to its queue's ring once
 * ({@link #bindConsumer}), so a delivery does no lookup either.
 */
public class RecentKeyDeliveries implements FilaMetricsRecorder {

	/** The default number of deliveries remembered per queue. */
	public static final int DEFAULT_WINDOW = 1000;

	private final int window;

	private final Map<String, Window> windows = new ConcurrentHashMap<>();

	public RecentKeyDeliveries() {
		this(DEFAULT_WINDOW);
	}

	/**
	 * @param window how many deliveries to remember per queue
	 */
	public RecentKeyDeliveries(int window) {
		if (window < 1) {
			throw new IllegalArgumentException("window must be at least 1, was " + window);
		}
		this.window = window;
	}

	@Override
	public ConsumerRecorder bindConsumer(String consumer, String queue, String driver) {
		if (queue.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
			return ConsumerRecorder.NONE;
		}
		Window recent = window(queue);
		return new ConsumerRecorder() {

			@Override
			public void delivered(FilaMessage message) {
				recent.add(message.fairnessKey());
			}

		};
	}

	@Override
	public void delivered(String consumer, String driver, FilaMessage message) {
		String queue = message.queue();
		if (queue.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
			return;
		}
		window(queue).add(message.fairnessKey());
	}

	private Window window(String queue) {
		Window recent = this.windows.get(queue);
		return (recent != null) ? recent : this.windows.computeIfAbsent(queue, (name) -> new Window(this.window));
	}

	/** @return how many deliveries are remembered per queue */
	public int getWindow() {
		return this.window;
	}

	/**
	 * @param queue a queue name
	 * @return the recent deliveries of the queue by fairness key
	 */
	public Counts counts(String queue) {
		Window recent = this.windows.get(queue);
		return (recent != null) ? recent.counts() : new Counts(0, Map.of());
	}

	/**
	 * Forgets a queue's deliveries (after it was deleted or purged). Its ring stays, empty,
	 * for the consumers bound to it.
	 * @param queue the queue name
	 */
	public void forget(String queue) {
		Window recent = this.windows.get(queue);
		if (recent != null) {
			recent.clear();
		}
	}

	/**
	 * The recent deliveries of one queue.
	 *
	 * @param total deliveries in the window
	 * @param byKey deliveries in the window per fairness key
	 */
	public record Counts(int total, Map<String, Integer> byKey) {

		/**
		 * @param key a fairness key
		 * @return the key's share of the window's deliveries, 0 to 1
		 */
		public double share(String key) {
			Integer count = this.byKey.get(key);
			return (count == null || this.total == 0) ? 0 : (double) count / this.total;
		}

		/**
		 * @param key a fairness key
		 * @return the key's deliveries in the window
		 */
		public int count(String key) {
			Integer count = this.byKey.get(key);
			return (count != null) ? count : 0;
		}

	}

	/**
	 * A ring of the last keys delivered. Writers claim a slot with one atomic increment and
	 * overwrite it; a reader counts the slots. A read that races with writers may see a
	 * slot's previous key, which is as good for a share over the last thousand deliveries.
	 */
	private static final class Window {

		private final AtomicReferenceArray<String> ring;

		private final AtomicLong next = new AtomicLong();

		Window(int capacity) {
			this.ring = new AtomicReferenceArray<>(capacity);
		}

		void add(String key) {
			int slot = (int) (this.next.getAndIncrement() % this.ring.length());
			this.ring.lazySet(slot, key);
		}

		Counts counts() {
			Map<String, Integer> counts = new HashMap<>();
			int total = 0;
			for (int i = 0; i < this.ring.length(); i++) {
				String key = this.ring.get(i);
				if (key != null) {
					counts.merge(key, 1, Integer::sum);
					total++;
				}
			}
			return new Counts(total, Map.copyOf(counts));
		}

		void clear() {
			for (int i = 0; i < this.ring.length(); i++) {
				this.ring.set(i, null);
			}
		}

	}

}
