package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jspecify.annotations.Nullable;

/**
 * What this instance's producers remember per queue and key: which key queues and delay
 * queues they declared (publishing to them needs no declare), each key's weight last published
 * (for stats) and the due times of the retries they scheduled (for per-key stats). Keys not
 * published to for a while are forgotten (see {@link #forgetIdleKeys}).
 */
final class PublishedKeys {

	/**
	 * Keys not published to for this long drop out of this instance's producer caches (declared
	 * key queues, weights for stats); publishing one again declares its queue again.
	 */
	static final Duration FORGET_KEYS_AFTER = Duration.ofMinutes(10);

	/** Key queues this instance declared, per Fila queue: publishing to them needs no declare. */
	private final Map<String, Set<String>> declaredKeys = new ConcurrentHashMap<>();

	/** Per Fila queue: the delay queues this instance declared, by delay, and when (nanoTime). */
	private final Map<String, Map<Long, Long>> declaredDelayQueues = new ConcurrentHashMap<>();

	/** Due times of retries this instance scheduled, per queue and key, for per-key stats. */
	private final Map<String, Map<String, ConcurrentLinkedQueue<Long>>> localDelays = new ConcurrentHashMap<>();

	/** Per queue and key: the weight last published, for stats, and when (forgotten when idle). */
	private final Map<String, Map<String, KeyWeight>> weights = new ConcurrentHashMap<>();

	/** A key's weight as last published, and when (nanoTime). */
	record KeyWeight(double weight, long publishedAt) {
	}

	private volatile long forgetKeysNanos = FORGET_KEYS_AFTER.toNanos();

	/** Sets how long unused keys stay in producer caches; {@link #FORGET_KEYS_AFTER} but in tests. */
	void forgetKeysAfter(Duration idle) {
		this.forgetKeysNanos = idle.toNanos();
	}

	long forgetKeysNanos() {
		return this.forgetKeysNanos;
	}

	/** The keys of a queue whose key queue this instance declared (a live, mutable view). */
	Set<String> declared(String queue) {
		return this.declaredKeys.computeIfAbsent(queue, (name) -> ConcurrentHashMap.newKeySet());
	}

	/** The keys of a queue whose key queue this instance declared, without creating an entry. */
	Set<String> declaredIfAny(String queue) {
		return this.declaredKeys.getOrDefault(queue, Set.of());
	}

	/** The weights last published per key of a queue (a live, mutable view). */
	Map<String, KeyWeight> weights(String queue) {
		return this.weights.computeIfAbsent(queue, (name) -> new ConcurrentHashMap<>());
	}

	/** The weights last published per key of a queue, without creating an entry. */
	Map<String, KeyWeight> weightsIfAny(String queue) {
		return this.weights.getOrDefault(queue, Map.of());
	}

	/** The delay queues of a queue this instance declared, by delay, and when (a live view). */
	Map<Long, Long> declaredDelays(String queue) {
		return this.declaredDelayQueues.computeIfAbsent(queue, (name) -> new ConcurrentHashMap<>());
	}

	/** Remembers a retry of a key due at the given time (nanoTime). */
	void delayed(String queue, String key, long due) {
		// Under the queue's entry, so that housekeeping never drops a key's times as one is added.
		this.localDelays.compute(queue, (name, perKey) -> {
			Map<String, ConcurrentLinkedQueue<Long>> keys = (perKey != null) ? perKey : new ConcurrentHashMap<>();
			keys.computeIfAbsent(key, (k) -> new ConcurrentLinkedQueue<>()).add(due);
			return keys;
		});
	}

	/** The due times of the retries scheduled per key of a queue. */
	Map<String, ConcurrentLinkedQueue<Long>> delays(String queue) {
		return this.localDelays.getOrDefault(queue, Map.of());
	}

	/** Counts the due times still to come, forgetting those that passed. */
	static long countDue(@Nullable ConcurrentLinkedQueue<Long> dueTimes, long now) {
		if (dueTimes == null) {
			return 0;
		}
		dueTimes.removeIf((due) -> due - now <= 0);
		return dueTimes.size();
	}

	/** Forgets the due times of retries that are due: stats count only those still waiting. */
	void forgetDueDelays(long now) {
		for (String queue : this.localDelays.keySet()) {
			this.localDelays.computeIfPresent(queue, (name, perKey) -> {
				perKey.values().removeIf((dueTimes) -> countDue(dueTimes, now) == 0);
				return perKey.isEmpty() ? null : perKey;
			});
		}
	}

	/**
	 * Forgets keys no producer of this instance published to for a while (thousands of keys
	 * come and go, above all with key shards or quorum queues, where key queues never expire):
	 * their weight (stats fall back to the consumer's, or 1) and that their queue was declared
	 * (declared again at the next publish, an idempotent round trip). A key with a retry still
	 * to come stays.
	 */
	void forgetIdleKeys(long now) {
		for (Map.Entry<String, Map<String, KeyWeight>> perQueue : this.weights.entrySet()) {
			String queue = perQueue.getKey();
			Map<String, KeyWeight> keyWeights = perQueue.getValue();
			Set<String> declared = this.declaredKeys.get(queue);
			Map<String, ConcurrentLinkedQueue<Long>> delays = this.localDelays.getOrDefault(queue, Map.of());
			for (Map.Entry<String, KeyWeight> key : keyWeights.entrySet()) {
				if (now - key.getValue().publishedAt() > this.forgetKeysNanos && !delays.containsKey(key.getKey())
						&& keyWeights.remove(key.getKey(), key.getValue()) && declared != null) {
					declared.remove(key.getKey());
				}
			}
			// A publish racing this may put into a map just removed: it loses a cached weight or
			// declare, nothing else.
			if (keyWeights.isEmpty()) {
				this.weights.remove(queue, keyWeights);
			}
			if (declared != null && declared.isEmpty()) {
				this.declaredKeys.remove(queue, declared);
			}
		}
	}

	/** Forgets that the key's queue was declared (it came back unroutable). */
	void undeclared(String queue, String key) {
		Set<String> declared = this.declaredKeys.get(queue);
		if (declared != null) {
			declared.remove(key);
		}
	}

	/** The key's queue was deleted as idle: forget all of the key. */
	void keyExpired(String queue, String key) {
		undeclared(queue, key);
		forgetKey(this.weights.get(queue), key);
		forgetKey(this.localDelays.get(queue), key);
	}

	/** Some instance deleted the Fila queue: forget what was declared and published. */
	void queueDropped(String queue) {
		this.declaredKeys.remove(queue);
		this.weights.remove(queue);
	}

	/** This instance deleted the Fila queue: forget everything of it. */
	void queueDeleted(String queue) {
		this.declaredKeys.remove(queue);
		this.localDelays.remove(queue);
		this.weights.remove(queue);
		this.declaredDelayQueues.remove(queue);
	}

	/** The queue was purged: no retry is still to come. */
	void purged(String queue) {
		this.localDelays.remove(queue);
	}

	private static void forgetKey(@Nullable Map<String, ?> perKey, String key) {
		if (perKey != null) {
			perKey.remove(key);
		}
	}

	/** Adds the sizes of the producer caches to a footprint (see {@link AmqpDriver#footprint}). */
	void footprint(Map<String, Integer> sizes) {
		sizes.put("declaredKeys", nestedSize(this.declaredKeys));
		sizes.put("weights", nestedSize(this.weights));
		int delays = this.localDelays.size();
		for (Map<String, ConcurrentLinkedQueue<Long>> perKey : this.localDelays.values()) {
			delays += perKey.size();
			for (ConcurrentLinkedQueue<Long> dueTimes : perKey.values()) {
				delays += dueTimes.size();
			}
		}
		sizes.put("localDelays", delays);
		sizes.put("declaredDelayQueues", this.declaredDelayQueues.size());
	}

	private static int nestedSize(Map<String, ? extends Object> perQueue) {
		int size = perQueue.size();
		for (Object inner : perQueue.values()) {
			size += (inner instanceof Map<?, ?> map) ? map.size() : ((Collection<?>) inner).size();
		}
		return size;
	}

}
