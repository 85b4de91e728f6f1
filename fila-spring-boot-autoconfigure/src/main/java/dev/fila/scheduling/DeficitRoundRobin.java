package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Deficit Round Robin over fairness keys with weights.
 * <p>
 * Keys with backlog sit in a ring. When a key reaches the head of the ring its turn starts and
 * it earns {@code quantum * weight} credits; each message served costs one credit. The turn
 * ends when credits run out, the key cannot serve (empty or throttled) or it is deactivated.
 * Over any window, keys with backlog are served in proportion to their weights, and a key
 * with a huge backlog cannot starve a small one.
 * <p>
 * Not thread-safe: a driver calls it under its queue lock (or runs the same algorithm
 * server-side).
 *
 * @param <K> the key type
 */
public final class DeficitRoundRobin<K> {

	private final double quantum;

	private final ArrayDeque<Entry<K>> ring = new ArrayDeque<>();

	private final Map<K, Entry<K>> entries = new HashMap<>();

	public DeficitRoundRobin(double quantum) {
		if (!(quantum > 0)) {
			throw new IllegalArgumentException("quantum must be positive, was " + quantum);
		}
		this.quantum = quantum;
	}

	/**
	 * Adds a key with backlog to the end of the ring, or updates the weight of an active key.
	 * @param key the fairness key
	 * @param weight its weight, positive
	 */
	public void activate(K key, double weight) {
		Entry<K> entry = this.entries.get(key);
		if (entry == null) {
			entry = new Entry<>(key, weight);
			this.entries.put(key, entry);
			this.ring.addLast(entry);
		}
		else {
			entry.weight = weight;
		}
	}

	/**
	 * Removes a key whose backlog is gone; its unused credits are forgotten.
	 * @param key the fairness key
	 */
	public void deactivate(K key) {
		Entry<K> entry = this.entries.remove(key);
		if (entry != null) {
			// A key runs dry while it is served: at the head, or at the tail when its turn just
			// ended. Both are constant time; only an arbitrary key costs a scan.
			if (this.ring.peekFirst() == entry) {
				this.ring.pollFirst();
			}
			else if (this.ring.peekLast() == entry) {
				this.ring.pollLast();
			}
			else {
				this.ring.remove(entry);
			}
		}
	}

	/**
	 * Picks the next key to serve. {@code tryServe} is offered keys in DRR order and must
	 * serve one message of that key and return {@code true}, or return {@code false} when the
	 * key cannot serve right now (for example it is throttled). Every active key is offered
	 * at most once per call.
	 * @param tryServe serves one message of the given key, if it can
	 * @return the key that was served, or {@code null} when no key could serve
	 */
	public @Nullable K next(Predicate<K> tryServe) {
		int offers = this.ring.size();
		while (offers-- > 0) {
			Entry<K> head = this.ring.peekFirst();
			if (!head.inTurn) {
				head.deficit += this.quantum * head.weight;
				head.inTurn = true;
			}
			if (head.deficit >= 1) {
				if (tryServe.test(head.key)) {
					head.deficit -= 1;
					if (head.deficit < 1 && this.ring.peekFirst() == head) {
						endTurn(head);
					}
					return head.key;
				}
				// Blocked keys do not bank credits while others wait.
				head.deficit = 0;
			}
			if (this.ring.peekFirst() == head) {
				endTurn(head);
			}
		}
		return null;
	}

	private void endTurn(Entry<K> head) {
		head.inTurn = false;
		this.ring.addLast(this.ring.pollFirst());
	}

	/**
	 * Returns the key {@link #next} offers first.
	 * @return the key at the head of the ring, or {@code null} when no key is active
	 */
	public @Nullable K head() {
		Entry<K> head = this.ring.peekFirst();
		return (head != null) ? head.key : null;
	}

	/**
	 * Returns whether a key is active.
	 * @param key the fairness key
	 * @return whether the key is in the ring
	 */
	public boolean isActive(K key) {
		return this.entries.containsKey(key);
	}

	/**
	 * Returns the number of active keys.
	 * @return the ring size
	 */
	public int size() {
		return this.entries.size();
	}

	private static final class Entry<K> {

		final K key;

		double weight;

		double deficit;

		boolean inTurn;

		Entry(K key, double weight) {
			this.key = key;
			this.weight = weight;
		}

	}

}
