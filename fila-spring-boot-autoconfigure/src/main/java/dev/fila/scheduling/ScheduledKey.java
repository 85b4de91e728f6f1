package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A fairness key: its queued items and weight. Owners subclass it with their own per-key
 * state; the queue is the scheduler's.
 *
 * @param <E> the item type
 */
public class ScheduledKey<E> {

	private final String name;

	/** Its items at priority 0, the usual case. */
	private final ArrayDeque<E> queued = new ArrayDeque<>(2);

	/** Its items at priorities 1 to 9, by level - 1, once it has any. */
	private @Nullable ArrayDeque<E> @Nullable [] upper;

	double weight = 1;

	/** The level its latest item arrived at (not given back): where a refill is waited for. */
	int refillLevel;

	protected ScheduledKey(String name) {
		this.name = name;
	}

	public final String name() {
		return this.name;
	}

	/**
	 * @return the weight of its latest item
	 */
	public final double weight() {
		return this.weight;
	}

	/**
	 * Sets the weight used when the key is next scheduled.
	 * @param weight the weight, positive
	 */
	public final void weight(double weight) {
		this.weight = weight;
	}

	/**
	 * @return how many of its items are leased now, for in-flight limits; owners that lease
	 * override it (and call {@link FairScheduler#released} when a lease ends)
	 */
	public int inFlight() {
		return 0;
	}

	/**
	 * @return the number of items queued, at every level
	 */
	public final int queued() {
		int queued = this.queued.size();
		if (this.upper != null) {
			for (ArrayDeque<E> lane : this.upper) {
				queued += (lane != null) ? lane.size() : 0;
			}
		}
		return queued;
	}

	/**
	 * @param max the most items to return
	 * @return a copy of its first queued items, in the order they would be handed out:
	 * higher levels first
	 */
	public final List<E> firstQueued(int max) {
		List<E> first = new ArrayList<>(Math.min(max, 16));
		for (int level = Scheduling.MAX_PRIORITY; level >= 0 && first.size() < max; level--) {
			ArrayDeque<E> lane = laneIfAny(level);
			if (lane == null) {
				continue;
			}
			for (E item : lane) {
				if (first.size() >= max) {
					break;
				}
				first.add(item);
			}
		}
		return first;
	}

	/**
	 * @param max the most items per level
	 * @return a copy of the first queued items of each level, higher levels first: among
	 * them are the key's oldest, each level being in order
	 */
	public final List<E> firstQueuedOfEachLevel(int max) {
		List<E> first = new ArrayList<>();
		for (int level = Scheduling.MAX_PRIORITY; level >= 0; level--) {
			ArrayDeque<E> lane = laneIfAny(level);
			if (lane == null) {
				continue;
			}
			int taken = 0;
			for (E item : lane) {
				if (taken++ >= max) {
					break;
				}
				first.add(item);
			}
		}
		return first;
	}

	/**
	 * @return whether items are queued
	 */
	public final boolean hasQueued() {
		if (!this.queued.isEmpty()) {
			return true;
		}
		if (this.upper != null) {
			for (ArrayDeque<E> lane : this.upper) {
				if (lane != null && !lane.isEmpty()) {
					return true;
				}
			}
		}
		return false;
	}

	final boolean hasQueuedAt(int level) {
		ArrayDeque<E> lane = laneIfAny(level);
		return lane != null && !lane.isEmpty();
	}

	final @Nullable ArrayDeque<E> laneIfAny(int level) {
		if (level == 0) {
			return this.queued;
		}
		return (this.upper != null) ? this.upper[level - 1] : null;
	}

	@SuppressWarnings("unchecked")
	final ArrayDeque<E> lane(int level) {
		if (level == 0) {
			return this.queued;
		}
		if (this.upper == null) {
			this.upper = new ArrayDeque[Scheduling.MAX_PRIORITY];
		}
		ArrayDeque<E> lane = this.upper[level - 1];
		if (lane == null) {
			lane = new ArrayDeque<>(2);
			this.upper[level - 1] = lane;
		}
		return lane;
	}

	/** @return its first item at the highest level it has items at, taken out; {@code null} for none */
	final @Nullable E pollHighest() {
		for (int level = Scheduling.MAX_PRIORITY; level >= 0; level--) {
			ArrayDeque<E> lane = laneIfAny(level);
			if (lane != null && !lane.isEmpty()) {
				return lane.pollFirst();
			}
		}
		return null;
	}

	final void clearQueued() {
		this.queued.clear();
		this.upper = null;
	}

}
