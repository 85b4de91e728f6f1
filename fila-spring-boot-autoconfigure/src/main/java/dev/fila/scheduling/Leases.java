package dev.fila.scheduling;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

import org.jspecify.annotations.Nullable;

/**
 * A lease table: what is handed out, by lease token, each with a deadline. Expired leases come
 * out in deadline order in logarithmic time, without a scan of the table.
 * <p>
 * Time is passed in by the caller (nanoseconds from any monotonic source). Not thread-safe:
 * its owner calls it under its lock.
 *
 * @param <E> what is leased
 */
public final class Leases<E> {

	/**
	 * Heaps of more deadlines than this are rebuilt from the live leases once they hold four
	 * times as many deadlines as leases.
	 */
	static final int COMPACT_ABOVE = 1024;

	private final Map<String, Lease<E>> leased = new HashMap<>();

	/**
	 * Deadlines in order. Settling or extending a lease leaves its old deadline here until it
	 * passes (removal from the middle of a heap is linear); {@link #compact} bounds them.
	 */
	private final PriorityQueue<Lease<E>> deadlines = new PriorityQueue<>(
			(a, b) -> Long.compare(a.deadline, b.deadline));

	/**
	 * Leases an item.
	 * @param token its lease token, unique among the live leases
	 * @param item what is leased
	 * @param deadline when the lease expires
	 */
	public void lease(String token, E item, long deadline) {
		Lease<E> lease = new Lease<>(token, item, deadline);
		this.leased.put(token, lease);
		this.deadlines.add(lease);
	}

	/**
	 * @param token a lease token
	 * @return the item leased under it, or {@code null} when the lease is not live
	 */
	public @Nullable E get(String token) {
		Lease<E> lease = this.leased.get(token);
		return (lease != null) ? lease.item : null;
	}

	/**
	 * Ends a lease (the item was settled).
	 * @param token a lease token
	 * @return the item leased under it, or {@code null} when the lease is not live
	 */
	public @Nullable E take(String token) {
		Lease<E> lease = this.leased.remove(token);
		if (lease == null) {
			return null;
		}
		compact();
		return lease.item;
	}

	/**
	 * Moves a live lease's deadline.
	 * @param token a lease token
	 * @param deadline the new deadline
	 * @return whether the lease was live
	 */
	public boolean extend(String token, long deadline) {
		Lease<E> lease = this.leased.get(token);
		if (lease == null) {
			return false;
		}
		// A new heap node: the old one stays in place, and is skipped as no longer the lease's.
		Lease<E> extended = new Lease<>(token, lease.item, deadline);
		this.leased.put(token, extended);
		this.deadlines.add(extended);
		compact();
		return true;
	}

	/**
	 * Ends the lease with the earliest deadline if it is at or before {@code now}.
	 * @param now the current time
	 * @return its item, or {@code null} when no lease has expired
	 */
	public @Nullable E pollExpired(long now) {
		Lease<E> lease;
		while ((lease = this.deadlines.peek()) != null && lease.deadline - now <= 0) {
			this.deadlines.poll();
			if (this.leased.get(lease.token) == lease) {
				this.leased.remove(lease.token);
				return lease.item;
			}
		}
		return null;
	}

	/**
	 * @param now the current time
	 * @return nanoseconds until the earliest deadline (0 when passed), {@link Long#MAX_VALUE}
	 * when nothing is leased
	 */
	public long nanosUntilNextDeadline(long now) {
		Lease<E> next = this.deadlines.peek();
		return (next != null) ? Math.max(0, next.deadline - now) : Long.MAX_VALUE;
	}

	/**
	 * @return the number of live leases
	 */
	public int size() {
		return this.leased.size();
	}

	/**
	 * @return the number of deadlines kept, stale ones included (for tests)
	 */
	public int deadlineCount() {
		return this.deadlines.size();
	}

	/**
	 * So that the deadlines of settled leases do not pile up (with their items) for a whole
	 * lease under load, the heap is rebuilt from the live leases whenever it holds four times
	 * as many deadlines: amortized constant time per settle or extension.
	 */
	private void compact() {
		int size = this.deadlines.size();
		if (size > COMPACT_ABOVE && size > 4 * this.leased.size()) {
			this.deadlines.clear();
			this.deadlines.addAll(this.leased.values());
		}
	}

	private static final class Lease<E> {

		final String token;

		final E item;

		final long deadline;

		Lease(String token, E item, long deadline) {
			this.token = token;
			this.item = item;
			this.deadline = deadline;
		}

	}

}
