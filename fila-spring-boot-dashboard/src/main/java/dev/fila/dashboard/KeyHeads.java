package dev.fila.dashboard;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;

/**
 * The next message of each key of a queue, as the dashboard shows it (oldest age, priority,
 * throttle keys): one peek per queue reused for a while, whatever the number of viewers, and
 * bounded in messages over all the queue's keys.
 */
final class KeyHeads {

	private final FilaAdmin admin;

	private final long ttlMillis;

	private final int budget;

	private final Map<String, Heads> byQueue = new ConcurrentHashMap<>();

	/**
	 * @param admin peeks
	 * @param ttl how long one peek at a queue is reused
	 * @param budget the most messages one peek reads over all the keys of a queue
	 */
	KeyHeads(FilaAdmin admin, Duration ttl, int budget) {
		this.admin = admin;
		this.ttlMillis = ttl.toMillis();
		this.budget = budget;
	}

	/**
	 * @param queue a queue
	 * @param keys how many keys it has
	 * @param now the time, in epoch milliseconds
	 * @return the next message of its keys, from a peek at most the TTL old
	 */
	Heads of(String queue, int keys, long now) {
		Heads cached = this.byQueue.get(queue);
		if (cached != null && now - cached.at() >= 0 && now - cached.at() < this.ttlMillis) {
			return cached;
		}
		Heads heads = peek(queue, keys, now);
		this.byQueue.values().removeIf((old) -> now - old.at() >= this.ttlMillis);
		this.byQueue.put(queue, heads);
		return heads;
	}

	private Heads peek(String queue, int keys, long now) {
		int count = (keys == 0) ? 0 : Math.min(FilaAdmin.MAX_PEEK, this.budget / keys);
		if (count < 1) {
			return new Heads(now, true, Map.of());
		}
		List<FilaMessage> messages;
		try {
			messages = this.admin.peek(queue, count);
		}
		catch (UnsupportedOperationException ex) {
			return new Heads(now, false, Map.of());
		}
		catch (RuntimeException ex) {
			// Deleted meanwhile, or the driver failed: shown without the next messages.
			return new Heads(now, true, Map.of());
		}
		Map<String, Head> byKey = new HashMap<>();
		for (FilaMessage message : messages) {
			byKey.merge(message.fairnessKey(), Head.of(message), Head::merge);
		}
		return new Heads(now, true, Map.copyOf(byKey));
	}

	/**
	 * One peek's result.
	 *
	 * @param at when it was read, in epoch milliseconds
	 * @param supported whether the queue's driver can peek
	 * @param byKey the next message of each key it reached
	 */
	record Heads(long at, boolean supported, Map<String, Head> byKey) {
	}

	/**
	 * A key's next message, as far as a peek tells: the highest priority among its peeked
	 * messages (the driver serves higher levels first), the oldest of those first.
	 */
	record Head(int priority, long enqueuedAt, List<String> throttleKeys, long oldestEnqueuedAt) {

		static Head of(FilaMessage message) {
			long enqueuedAt = message.enqueuedAt().toEpochMilli();
			return new Head(message.priority(), enqueuedAt, List.copyOf(message.throttleKeys()), enqueuedAt);
		}

		static Head merge(Head one, Head other) {
			boolean first = (one.priority != other.priority) ? one.priority > other.priority
					: one.enqueuedAt <= other.enqueuedAt;
			Head next = first ? one : other;
			return new Head(next.priority, next.enqueuedAt, next.throttleKeys,
					Math.min(one.oldestEnqueuedAt, other.oldestEnqueuedAt));
		}

		KeyWaits.Head waits() {
			return new KeyWaits.Head(this.priority, this.throttleKeys);
		}

	}

}
