package dev.fila.driver;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import dev.fila.config.SettingsStore;
import dev.fila.core.QueueStats;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.QueueFlow;

/**
 * A queue backend. A driver owns scheduling, not only storage: it runs deficit round robin
 * over fairness keys, token-bucket throttles, leases and delayed retries itself (the Redis
 * driver in server-side scripts, so that they hold across application instances). Callers
 * ask for "up to N messages that may be delivered now" and get them leased.
 * <p>
 * Every implementation is held to the same behaviour by the shared driver contract test
 * suite. Implementations are thread-safe.
 */
public interface FilaDriver extends AutoCloseable {

	/** @return the driver name, the key under {@code fila.drivers} */
	String name();

	/** @return the driver type: {@code memory}, {@code amqp} or {@code redis} */
	String type();

	/**
	 * Creates a queue, and its dead-letter queue {@code <name>.dlq} when the spec asks for one.
	 * Creating a queue that exists updates its settings and keeps its messages.
	 * @param spec the queue settings
	 */
	void createQueue(QueueSpec spec);

	/**
	 * Deletes a queue and its messages (not its dead-letter queue).
	 * @param queue the queue name
	 * @return whether the queue existed
	 */
	boolean deleteQueue(String queue);

	/** @return the names of all queues, dead-letter queues included */
	List<String> listQueues();

	/**
	 * @param queue the queue name
	 * @return whether the queue exists
	 */
	boolean queueExists(String queue);

	/**
	 * @return the largest message this driver takes (payload, headers); {@link #enqueue} checks
	 * every message of a batch against them before it sends any
	 */
	default MessageLimits limits() {
		return MessageLimits.DEFAULTS;
	}

	/**
	 * Enqueues messages, in one round trip where the backend allows. The whole batch is checked
	 * against {@link #limits()} first: a message that breaks them fails the call and nothing
	 * of the batch is sent.
	 * @param queue the queue name
	 * @param messages the messages with their scheduling
	 * @return the message ids, in order
	 * @throws dev.fila.core.QueueNotFoundException when the queue does not exist
	 * @throws dev.fila.core.MessageTooLargeException when a message breaks {@link #limits()}
	 */
	List<String> enqueue(String queue, List<OutgoingMessage> messages);

	/**
	 * Leases up to {@code max} messages chosen by the queue's scheduler: deficit round robin
	 * across fairness keys, skipping messages whose throttle keys have no permit. Each
	 * returned message has its delivery count incremented. Waits up to {@code maxWait} when
	 * nothing is deliverable.
	 * @param queue the queue name
	 * @param max the most messages to return, at least 1
	 * @param maxWait how long to wait for a first message
	 * @return leased messages, empty when none became deliverable in time
	 * @throws InterruptedException when the waiting thread is interrupted
	 */
	List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException;

	/**
	 * Acks messages of a queue, then fetches from it, in one round trip where the backend
	 * allows: the listener container sends the acks that wait for a batch with its next fetch,
	 * so that the slots they free are filled by the same call. The acks are settled before the
	 * fetch leases anything or waits, and {@code outcomes} is told their results (in order, as
	 * {@link #ackAll(List)} returns them) as soon as they are known, before this method waits
	 * for messages. When this method throws, {@code outcomes} may not have been told: the acks
	 * may or may not have been applied, and a message whose ack was lost is delivered again when
	 * its lease expires. The default acks with {@link #ackAll(List)}, then fetches.
	 * @param acks leased messages of {@code queue} to ack first, possibly none
	 * @param outcomes told, once, whether each ack took effect ({@code false}: its lease was lost)
	 * @param queue the queue name
	 * @param max the most messages to lease
	 * @param maxWait how long to wait for a first message
	 * @return leased messages, empty when none became deliverable in time
	 * @throws InterruptedException when the waiting thread is interrupted
	 */
	default List<LeasedMessage> ackAndFetch(List<LeasedMessage> acks, Consumer<boolean[]> outcomes, String queue,
			int max, Duration maxWait) throws InterruptedException {
		if (!acks.isEmpty()) {
			outcomes.accept(ackAll(acks));
		}
		return fetch(queue, max, maxWait);
	}

	/**
	 * Makes fetches of this queue that are waiting in this JVM return promptly, empty when
	 * nothing is deliverable. Consumers call it when they stop, instead of interrupting a
	 * fetch that may be in the middle of a call to the backend (whose leases would then be
	 * lost until they expire).
	 * @param queue the queue name
	 */
	default void wakeUp(String queue) {
	}

	/**
	 * Removes a delivered message from its queue.
	 * @param message the leased message
	 * @return {@code false} when the lease was lost (expired, and the message is back in the queue)
	 */
	boolean ack(LeasedMessage message);

	/**
	 * Removes several delivered messages, in as few round trips as the backend allows (the
	 * listener container sends the acks its workers collected together). Each message is
	 * settled as by {@link #ack(LeasedMessage)}; the default acks them one by one.
	 * @param messages the leased messages, usually of one queue
	 * @return for each message, in order, whether it was acked ({@code false} when its lease
	 * was lost)
	 */
	default boolean[] ackAll(List<LeasedMessage> messages) {
		boolean[] acked = new boolean[messages.size()];
		for (int i = 0; i < acked.length; i++) {
			acked[i] = ack(messages.get(i));
		}
		return acked;
	}

	/**
	 * Settles a failed delivery: retry after a delay (the wait blocks no thread), or move to
	 * {@code <queue>.dlq} with {@code fila-attempts}, {@code fila-error} and
	 * {@code fila-source-queue} headers (dropped when the queue has no dead-letter queue).
	 * {@code fila-error} is the error bounded by {@link ErrorHeader#value}.
	 * @param message the leased message
	 * @param decision retry or dead-letter
	 * @param error the error, recorded on dead-lettering
	 * @return {@code false} when the lease was lost
	 */
	boolean nack(LeasedMessage message, FailureDecision decision, String error);

	/**
	 * Returns a leased message that was never handed to a handler to the head of its key,
	 * without counting the delivery as an attempt (graceful shutdown).
	 * @param message the leased message
	 * @return {@code false} when the lease was lost
	 */
	boolean release(LeasedMessage message);

	/**
	 * Extends a lease so that it ends {@code duration} from now (a heartbeat).
	 * @param message the leased message
	 * @param duration the new remaining lease time
	 * @return {@code false} when the lease was lost
	 */
	boolean extendLease(LeasedMessage message, Duration duration);

	/**
	 * Extends several leases, in as few round trips as the backend allows (a consumer's
	 * heartbeat extends all the leases it holds at once). Each is extended as by
	 * {@link #extendLease(LeasedMessage, Duration)}; the default extends them one by one.
	 * @param messages the leased messages, usually of one queue
	 * @param duration the new remaining lease time
	 * @return for each message, in order, whether its lease was extended ({@code false} when
	 * it was lost)
	 */
	default boolean[] extendLeases(List<LeasedMessage> messages, Duration duration) {
		boolean[] extended = new boolean[messages.size()];
		for (int i = 0; i < extended.length; i++) {
			extended[i] = extendLease(messages.get(i), duration);
		}
		return extended;
	}

	/**
	 * @param queue the queue name
	 * @return counts with a per fairness key breakdown
	 */
	QueueStats stats(String queue);

	/**
	 * Moves up to {@code count} messages from a dead-letter queue back to their source queue
	 * as new deliveries.
	 * @param deadLetterQueue the dead-letter queue name, {@code <queue>.dlq}
	 * @param count the most messages to move
	 * @return how many moved
	 */
	int redrive(String deadLetterQueue, int count);

	/**
	 * Reads the oldest pending messages of a queue without leasing them: nothing about them
	 * changes (delayed retries and leased messages are not shown). The candidates are the first
	 * {@code count} messages of each fairness key, the ones it delivers next (a retried message
	 * waits at its key's tail); among them the oldest enqueued come first.
	 * @param queue the queue name, a dead-letter queue included
	 * @param count the most messages to return, positive
	 * @return up to {@code count} messages, oldest enqueued first
	 * @throws UnsupportedOperationException when the broker cannot read a message without
	 * delivering it (RabbitMQ)
	 */
	List<PendingMessage> peek(String queue, int count);

	/**
	 * Removes every pending and delayed message (leased ones stay with their consumers).
	 * @param queue the queue name
	 * @return how many were removed
	 */
	long purge(String queue);

	/**
	 * Applies an operator's pauses and weight overrides to a queue, in this instance; a queue
	 * created later gets the last state given for its name. The state itself lives in the
	 * application's shared settings (see {@code dev.fila.queue.FilaFlowControl}), which give every
	 * instance the same; a driver enforces what it is given. Idempotent.
	 * @param queue the queue name
	 * @param flow its whole flow control state
	 */
	void applyFlow(String queue, QueueFlow flow);

	/**
	 * Creates or changes the token bucket of a throttle key, shared by all queues of this driver.
	 * @param key the throttle key
	 * @param rate permits per second
	 * @param burst bucket size
	 */
	void setThrottle(String key, double rate, long burst);

	/**
	 * @param key a throttle key
	 * @return the permits its bucket holds now (shared by every instance where the driver's
	 * buckets are), or {@code NaN} when unknown
	 */
	default double availablePermits(String key) {
		return Double.NaN;
	}

	/**
	 * Counts the leases of a queue that expired: a consumer died or got stuck and the message
	 * went back to the queue. Optional: drivers that do not count return 0. Read off the hot
	 * path (metrics refresh), it may cost a round trip.
	 * @param queue the queue name
	 * @return the number of expired leases since the count started (the driver's or, for a
	 * shared backend, the queue's creation)
	 */
	default long expiredLeases(String queue) {
		return 0;
	}

	/**
	 * Counts the scheduling passes ({@link #fetch} attempts) of a queue, made by this
	 * application instance, in which a throttle held back at least one message that fairness
	 * would otherwise have delivered. Optional: drivers that do not count return 0.
	 * @param queue the queue name
	 * @return the count since this driver started
	 */
	default long throttleLimited(String queue) {
		return 0;
	}

	/**
	 * Where settings shared by the application's instances live (runtime configuration,
	 * throttles), when the backend can hold them: every instance sees the same values and they
	 * survive restarts. Optional: a driver without one (the memory driver) returns
	 * {@code null}, and the settings stay in the JVM.
	 * @return the store, or {@code null}
	 */
	default @Nullable SettingsStore settingsStore() {
		return null;
	}

	/**
	 * Whether every call is a round trip to a backend outside this JVM. The listener container
	 * then coalesces acks into batches ({@link #ackAll(List)}); with an in-process driver each
	 * worker acks its own message, since handing acks between threads costs more than the ack.
	 * @return {@code true} unless the driver keeps its queues in this JVM
	 */
	default boolean isRemote() {
		return true;
	}

	/**
	 * Checks that the backend is reachable.
	 * @throws RuntimeException describing why it is not
	 */
	void ping();

	/** Releases the driver's resources. */
	@Override
	void close();

}
