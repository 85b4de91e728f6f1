package dev.fila.dashboard;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Why a fairness key with pending messages is not being delivered right now: the first reason
 * that applies, in this order.
 * <ol>
 * <li>{@value #PAUSED}: the key or its whole queue is paused;</li>
 * <li>{@value #NO_CONSUMER}: no consumer of the queue runs in this instance;</li>
 * <li>{@value #AT_IN_FLIGHT_LIMIT}: as many of its messages are leased as its in-flight limit
 * allows;</li>
 * <li>{@code throttled (<key>)}: a throttle key of its next message has less than one permit
 * left;</li>
 * <li>{@value #LOWER_PRIORITY}: its next message's priority is below the highest one among
 * the next messages of the other keys that are not paused;</li>
 * <li>{@value #OUT_OF_DEFICIT}: none of the above: it waits for its turn in the deficit round
 * robin.</li>
 * </ol>
 * A key with no pending message does not wait: the empty string. The next message's throttle
 * keys and priority are known only where the driver can peek (not amqp), and only for the keys
 * whose next message was among the peeked ones; otherwise those two reasons are not checked.
 */
public final class KeyWaits {

	/** The key or its queue is paused. */
	public static final String PAUSED = "paused";

	/** No consumer of the queue runs in this instance. */
	public static final String NO_CONSUMER = "no consumer";

	/** The key has as many messages in flight as its limit allows. */
	public static final String AT_IN_FLIGHT_LIMIT = "at in-flight limit";

	/** The key's next message has a lower priority than another key's. */
	public static final String LOWER_PRIORITY = "lower priority";

	/** The key waits for its turn in the round robin. */
	public static final String OUT_OF_DEFICIT = "out of deficit";

	/** Not waiting: no pending message. */
	public static final String NONE = "";

	private KeyWaits() {
	}

	/**
	 * @param key the key's state
	 * @param queue the queue's state
	 * @param head the key's next message, {@code null} when unknown
	 * @param availablePermits permits left per throttle key ({@code NaN} when unknown)
	 * @return why the key waits, {@link #NONE} when it does not
	 */
	public static String of(Key key, Queue queue, @Nullable Head head, Map<String, Double> availablePermits) {
		if (key.pending() <= 0) {
			return NONE;
		}
		if (key.paused() || queue.paused()) {
			return PAUSED;
		}
		if (!queue.consumerRunning()) {
			return NO_CONSUMER;
		}
		if (key.maxInFlight() > 0 && key.inFlight() >= key.maxInFlight()) {
			return AT_IN_FLIGHT_LIMIT;
		}
		if (head != null) {
			for (String throttle : head.throttleKeys()) {
				Double available = availablePermits.get(throttle);
				if (available != null && available < 1) {
					return "throttled (" + throttle + ")";
				}
			}
			if (queue.highestPriority() != null && head.priority() < queue.highestPriority()) {
				return LOWER_PRIORITY;
			}
		}
		return OUT_OF_DEFICIT;
	}

	/**
	 * A fairness key's state.
	 *
	 * @param pending messages ready for delivery
	 * @param inFlight messages leased
	 * @param paused whether the key is paused
	 * @param maxInFlight its in-flight limit, 0 for none
	 */
	public record Key(long pending, long inFlight, boolean paused, int maxInFlight) {
	}

	/**
	 * A queue's state.
	 *
	 * @param paused whether the queue is paused
	 * @param consumerRunning whether a consumer of the queue runs in this instance
	 * @param highestPriority the highest priority among the next messages of its keys that are
	 * not paused, {@code null} when unknown
	 */
	public record Queue(boolean paused, boolean consumerRunning, @Nullable Integer highestPriority) {
	}

	/**
	 * A key's next message.
	 *
	 * @param priority its priority, 0 to 9
	 * @param throttleKeys its throttle keys
	 */
	public record Head(int priority, List<String> throttleKeys) {

		public Head {
			throttleKeys = List.copyOf(throttleKeys);
		}

	}

}
