package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

	/** Keys out of the ring for a while, with their turn and credits (see {@link #suspend}). */
	private final Map<K, Entry<K>> suspended = new HashMap<>();

	/** Keys short of one credit in the current round of {@link #next}. */
	private final List<Entry<K>> waiting = new ArrayList<>();

	/** Counts calls of {@link #next}, to know which keys a call already found blocked. */
	private long calls;

	/** The call of {@link #next} in which {@link #hold()} was called. */
	private long heldInCall;

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
		if (entry != null) {
			entry.weight = weight;
			return;
		}
		entry = this.suspended.isEmpty() ? null : this.suspended.remove(key);
		if (entry != null) {
			// Back from a suspension: a turn it was in goes on first, with the credits it had.
			entry.weight = weight;
			this.entries.put(key, entry);
			if (entry.inTurn) {
				this.ring.addFirst(entry);
			}
			else {
				this.ring.addLast(entry);
			}
			return;
		}
		entry = new Entry<>(key, weight);
		this.entries.put(key, entry);
		this.ring.addLast(entry);
	}

	/**
	 * Takes a key out of the ring for a while, keeping its turn and credits: the next
	 * {@link #activate} of the key puts it back, at the head of the ring when it was in its turn
	 * (the turn goes on), else at the tail. For a key that must not be served now but will be
	 * soon (at its in-flight limit): over time it gets the share of its weight, which it would
	 * not if each limit cost it the rest of its turn.
	 * @param key the fairness key
	 */
	public void suspend(K key) {
		Entry<K> entry = this.entries.get(key);
		if (entry != null) {
			deactivate(key);
			this.suspended.put(key, entry);
		}
	}

	/**
	 * Removes a key whose backlog is gone; its unused credits are forgotten.
	 * @param key the fairness key
	 */
	public void deactivate(K key) {
		if (!this.suspended.isEmpty()) {
			this.suspended.remove(key);
		}
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
	 * Serves the next key. {@code server} is offered keys in DRR order and must serve one item
	 * of that key and return it, or return {@code null} when the key cannot serve right now
	 * (for example it is empty or throttled). Every active key is offered at most once per call.
	 * The server may {@link #deactivate} or {@link #suspend} the key it was offered (its last item
	 * served, or a key that must not be served now), not another one.
	 * <p>
	 * When a whole round serves nothing because every key is still short of one credit (all
	 * weights small, {@code quantum * weight < 1}), the call does not give up: it skips the
	 * rounds in which nothing could be served at once, crediting every waiting key with what
	 * those rounds would have given it, and goes on with the round in which the first key
	 * reaches a credit. So any positive weight delivers at once, and the order is the one
	 * rounds played one by one would give. A key that could not serve is not credited for the
	 * skipped rounds (it does not bank credits while others wait) and not offered again; a key
	 * that is about to serve can stop the call at its turn (see {@link #hold()}).
	 * @param <E> what is served
	 * @param server serves one item of the given key, if it can
	 * @return what was served, or {@code null} when no key could serve
	 */
	public <E> @Nullable E next(Server<K, E> server) {
		long call = ++this.calls;
		// Each skip ends in a serve or a blocked key, or (rounding) needs one more round: this
		// bound is never reached but by weights so small that a round adds nothing to 1.
		int rounds = 2 * this.ring.size() + 3;
		while (rounds-- > 0) {
			this.waiting.clear();
			int offers = this.ring.size();
			while (offers-- > 0) {
				Entry<K> head = this.ring.peekFirst();
				if (head == null) {
					// The server deactivated the last key it was offered (a paused key).
					return null;
				}
				if (head.blockedInCall == call) {
					endTurn(head);
					continue;
				}
				if (!head.inTurn) {
					head.deficit += this.quantum * head.weight;
					head.inTurn = true;
				}
				if (head.deficit >= 1) {
					E served = server.serve(head.key);
					if (served != null) {
						head.deficit -= 1;
						if (head.deficit < 1 && this.ring.peekFirst() == head) {
							endTurn(head);
						}
						return served;
					}
					if (this.heldInCall == call) {
						// Its items are on their way: the round stops at it, its turn and credits
						// kept, so the keys behind it gain nothing from the wait.
						return null;
					}
					if (this.ring.peekFirst() != head) {
						// The server took it out of the ring (deactivated or suspended).
						continue;
					}
					// Blocked keys do not bank credits while others wait.
					head.deficit = 0;
					head.blockedInCall = call;
				}
				else {
					this.waiting.add(head);
				}
				if (this.ring.peekFirst() == head) {
					endTurn(head);
				}
			}
			if (!skipEmptyRounds()) {
				return null;
			}
		}
		return null;
	}

	/**
	 * Called by the server when the key offered cannot serve right now but is about to
	 * (for example its messages are on their way from the broker): the current call of
	 * {@link #next} then returns {@code null} at once, the key staying at the head of the ring
	 * with its turn and credits, so that no other key gets ahead of it while it waits.
	 */
	public void hold() {
		this.heldInCall = this.calls;
	}

	/**
	 * After a round that served nothing: credits every key that waited in it (short of one
	 * credit, not blocked) with the rounds before the one in which the first of them reaches
	 * a credit, all at once. Those rounds would have served nothing, so skipping them changes
	 * only time, not order or shares. The next round then serves that key (or finds it
	 * blocked, which removes it from the next skip, so the calls end).
	 * @return whether there was a key to skip ahead for
	 */
	private boolean skipEmptyRounds() {
		double rounds = Double.POSITIVE_INFINITY;
		for (Entry<K> entry : this.waiting) {
			double perRound = this.quantum * entry.weight;
			if (perRound > 0) {
				rounds = Math.min(rounds, Math.ceil((1 - entry.deficit) / perRound));
			}
		}
		if (rounds == Double.POSITIVE_INFINITY) {
			return false;
		}
		// The coming round itself credits every key once more: skip one round less.
		for (Entry<K> entry : this.waiting) {
			double perRound = this.quantum * entry.weight;
			entry.deficit += (rounds - 1) * perRound;
		}
		return true;
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
	 * Returns the active keys in the order {@link #next} would offer them (not a hot path).
	 * @return a new list of the keys in the ring
	 */
	public List<K> activeKeys() {
		List<K> keys = new ArrayList<>(this.ring.size());
		for (Entry<K> entry : this.ring) {
			keys.add(entry.key);
		}
		return keys;
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

	/**
	 * Serves one item of a key offered by {@link DeficitRoundRobin#next}.
	 *
	 * @param <K> the key type
	 * @param <E> what is served
	 */
	@FunctionalInterface
	public interface Server<K, E> {

		/**
		 * @param key the key whose turn it is
		 * @return the item served, or {@code null} when the key cannot serve right now
		 */
		@Nullable E serve(K key);

	}

	private static final class Entry<K> {

		final K key;

		double weight;

		double deficit;

		boolean inTurn;

		/** The call of {@link DeficitRoundRobin#next} that found the key unable to serve. */
		long blockedInCall;

		Entry(K key, double weight) {
			this.key = key;
			this.weight = weight;
		}

	}

}
