package dev.fila.actuate;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;

/**
 * Which fairness keys the last deliveries of each queue went to: a sliding window of the
 * last {@code window} deliveries per queue (the default 1,000), with a count per key. Memory
 * stays bounded whatever the number of keys: at most {@code window} entries per queue.
 * Used by the {@code fila} endpoint to show each key's share of recent deliveries next to
 * its backlog.
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
	public void delivered(String consumer, String driver, FilaMessage message) {
		String queue = message.queue();
		if (queue.startsWith(FilaTemplate.REPLY_QUEUE_PREFIX)) {
			return;
		}
		Window recent = this.windows.get(queue);
		if (recent == null) {
			recent = this.windows.computeIfAbsent(queue, (name) -> new Window(this.window));
		}
		recent.add(message.fairnessKey());
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
	 * Forgets a queue's deliveries (after it was deleted or purged).
	 * @param queue the queue name
	 */
	public void forget(String queue) {
		this.windows.remove(queue);
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

	/** A ring of the last keys delivered, with a count per key. */
	private static final class Window {

		private final @Nullable String[] ring;

		private final Map<String, Integer> counts = new HashMap<>();

		private int next;

		private int size;

		Window(int capacity) {
			this.ring = new String[capacity];
		}

		synchronized void add(String key) {
			String evicted = this.ring[this.next];
			if (evicted != null) {
				this.counts.computeIfPresent(evicted, (k, count) -> (count > 1) ? count - 1 : null);
			}
			else {
				this.size++;
			}
			this.ring[this.next] = key;
			this.next = (this.next + 1) % this.ring.length;
			this.counts.merge(key, 1, Integer::sum);
		}

		synchronized Counts counts() {
			return new Counts(this.size, Map.copyOf(this.counts));
		}

	}

}
