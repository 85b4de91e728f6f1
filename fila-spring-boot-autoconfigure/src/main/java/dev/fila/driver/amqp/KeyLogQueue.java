package dev.fila.driver.amqp;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What the {@link KeyLog}'s records say of one Fila queue: its keys, their order and its retry delays. */
final class KeyLogQueue {

	final Set<String> keys = ConcurrentHashMap.newKeySet();

	/**
	 * Each key's place among the queue's keys, in the order of their first record in the log:
	 * the same in every instance that read the same log, which is what lets them agree on a
	 * key's shard without talking to each other.
	 */
	final Map<String, Integer> ordinals = new ConcurrentHashMap<>();

	final Set<Long> delays = ConcurrentHashMap.newKeySet();

	/** Per key: the log offset of its latest key record. */
	final Map<String, Long> announcedAt = new ConcurrentHashMap<>();

}
