package dev.fila.scheduling;

import java.util.Collection;
import java.util.List;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

/**
 * The round robins of a {@link FairScheduler}, one per priority level: level 0 always, a
 * higher one from the first item that needs it. Knows which keys each level schedules, not
 * their items (those are in the keys) nor the flow control (that is the scheduler's). Not
 * thread-safe: used under the scheduler's lock.
 *
 * @param <K> the key type
 * @param <E> the item type
 */
final class PriorityLevels<K extends ScheduledKey<E>, E> {

	private final Server<K, E> server;

	private final Level<K, E>[] levels;

	/** The highest level that has a round robin. */
	private int top;

	private double quantum;

	/**
	 * @param quantum the DRR quantum of every level, positive
	 * @param server hands out a key's next item at a level (see {@link Level})
	 */
	@SuppressWarnings("unchecked")
	PriorityLevels(double quantum, Server<K, E> server) {
		this.server = server;
		this.quantum = quantum;
		this.levels = new Level[Scheduling.MAX_PRIORITY + 1];
		this.levels[0] = new Level<>(server, 0, quantum);
	}

	/** @return the highest level that has a round robin */
	int top() {
		return this.top;
	}

	/** @return the level's round robin and servers, or {@code null} when no item needed it yet */
	@Nullable Level<K, E> at(int level) {
		return this.levels[level];
	}

	/** @return the level's round robin, created when no item needed it yet */
	DeficitRoundRobin<K> drr(int level) {
		Level<K, E> existing = this.levels[level];
		if (existing != null) {
			return existing.drr;
		}
		Level<K, E> created = new Level<>(this.server, level, this.quantum);
		this.levels[level] = created;
		this.top = Math.max(this.top, level);
		return created.drr;
	}

	/** Takes a key out of every level's round robin. */
	void deactivate(K key) {
		for (int level = 0; level <= this.top; level++) {
			Level<K, E> lane = this.levels[level];
			if (lane != null) {
				lane.drr.deactivate(key);
			}
		}
	}

	/** Takes a key out of every level's round robin, each keeping its turn and credits. */
	void suspend(K key) {
		for (int level = 0; level <= this.top; level++) {
			Level<K, E> lane = this.levels[level];
			if (lane != null) {
				lane.drr.suspend(key);
			}
		}
	}

	/** @return whether some level's round robin has the key */
	boolean schedules(K key) {
		for (int level = 0; level <= this.top; level++) {
			Level<K, E> lane = this.levels[level];
			if (lane != null && lane.drr.isActive(key)) {
				return true;
			}
		}
		return false;
	}

	/** Adds the keys of every level's round robin up to {@code below} (excluded) to {@code into}. */
	void keysBelow(int below, Collection<K> into) {
		for (int level = 0; level < below && level <= this.top; level++) {
			Level<K, E> lane = this.levels[level];
			if (lane != null) {
				into.addAll(lane.drr.activeKeys());
			}
		}
	}

	/**
	 * Changes the quantum: every level's round robin is built again with its keys, in their
	 * order, with their turns reset.
	 * @param quantum the new quantum, positive
	 * @param weightOf a key's effective weight
	 */
	void quantum(double quantum, ToDoubleFunction<K> weightOf) {
		if (quantum == this.quantum) {
			return;
		}
		for (int level = 0; level <= this.top; level++) {
			Level<K, E> old = this.levels[level];
			if (old != null) {
				Level<K, E> rebuilt = new Level<>(this.server, level, quantum);
				for (K key : old.drr.activeKeys()) {
					rebuilt.drr.activate(key, weightOf.applyAsDouble(key));
				}
				this.levels[level] = rebuilt;
			}
		}
		this.quantum = quantum;
	}

	/**
	 * Forgets every level's round robin, leaving level 0 empty.
	 * @param into receives the keys that were scheduled
	 */
	void clear(Collection<K> into) {
		for (int level = 0; level <= this.top; level++) {
			if (this.levels[level] != null) {
				into.addAll(this.levels[level].drr.activeKeys());
				this.levels[level] = null;
			}
		}
		this.levels[0] = new Level<>(this.server, 0, this.quantum);
		this.top = 0;
	}

	/** @return the keys of a level's round robin, or none */
	List<K> keysAt(int level) {
		Level<K, E> lane = this.levels[level];
		return (lane != null) ? lane.drr.activeKeys() : List.of();
	}

	/** One priority level: its round robin and the servers that hand out its items. */
	static final class Level<K extends ScheduledKey<E>, E> {

		final DeficitRoundRobin<K> drr;

		/** Hands out a key's next item whose throttles permit, if the flow lets the key serve. */
		final DeficitRoundRobin.Server<K, E> throttledServer;

		/** Hands out a key's next item, throttles and flow ignored (moving items elsewhere). */
		final DeficitRoundRobin.Server<K, E> plainServer;

		Level(Server<K, E> server, int level, double quantum) {
			this.drr = new DeficitRoundRobin<>(quantum);
			this.throttledServer = (key) -> server.serve(key, level, true);
			this.plainServer = (key) -> server.serve(key, level, false);
		}

	}

	/** Hands out a key's next item at a level: the scheduler's part of a level's round robin. */
	@FunctionalInterface
	interface Server<K, E> {

		@Nullable E serve(K key, int level, boolean throttled);

	}

}
