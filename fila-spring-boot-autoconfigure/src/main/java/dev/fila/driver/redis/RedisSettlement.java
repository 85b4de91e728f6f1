package dev.fila.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

import dev.fila.driver.ErrorHeader;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;

import static dev.fila.driver.redis.RedisValues.bytes;

/**
 * What becomes of leased messages: ack, nack (retry or dead letter), release and lease
 * extension. Acks and extensions go in batches, one script call per queue and per
 * {@value #MAX_BATCH} messages; each script checks the lease token, so a message whose lease
 * expired and went to another consumer is left alone.
 */
final class RedisSettlement {

	// The driver's logger: the split into classes must not move its messages to other categories.
	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	/** Most acks sent in one script call; larger batches are split. */
	static final int MAX_BATCH = 500;

	private final RedisConnections connections;

	private final RedisQueues queues;

	private final ReplicaWait replicaWait;

	/** Acks that fewer replicas than asked confirmed (this instance only). */
	private final LongAdder acksUnconfirmed = new LongAdder();

	private final RedisScripts ack = RedisScripts.load("ack");

	private final RedisScripts nack = RedisScripts.load("nack");

	private final RedisScripts release = RedisScripts.load("release");

	private final RedisScripts extend = RedisScripts.load("extend");

	/** Tells whether a queue has in-flight limits, so that only then do settlements wake consumers. */
	private final RedisFlow flow;

	private static final byte[] WAKE = bytes("1");

	private static final byte[] NO_WAKE = new byte[0];

	RedisSettlement(RedisConnections connections, RedisQueues queues, ReplicaWait replicaWait, RedisFlow flow) {
		this.connections = connections;
		this.queues = queues;
		this.replicaWait = replicaWait;
		this.flow = flow;
	}

	boolean ack(LeasedMessage message) {
		return ackAll(List.of(message))[0];
	}

	boolean[] ackAll(List<LeasedMessage> messages) {
		boolean[] acked = new boolean[messages.size()];
		forEachQueueBatch(messages, (batch, offset) -> ackBatch(batch, acked, offset));
		return acked;
	}

	/**
	 * Acks a fetch of {@code queue} can send in its script (see fetch.lua), or {@code null} when
	 * they must go on their own: empty, of another queue, more than one script call takes, or
	 * under {@code wait-replicas} (an ack then waits for replicas, which a fetch does not).
	 */
	RedisFetcher.@Nullable CarriedAcks carriedByFetch(String queue, List<LeasedMessage> acks,
			Consumer<boolean[]> outcomes) {
		if (acks.isEmpty() || acks.size() > MAX_BATCH || this.replicaWait.enabled()) {
			return null;
		}
		for (LeasedMessage message : acks) {
			if (!message.queue().equals(queue)) {
				return null;
			}
		}
		byte[] channel = this.flow.limited(queue) ? this.queues.keys(queue).channel() : NO_WAKE;
		return new RedisFetcher.CarriedAcks(acks, channel, outcomes);
	}

	/** Calls {@code action} with runs of messages of one queue, at most {@value #MAX_BATCH} each. */
	private static void forEachQueueBatch(List<LeasedMessage> messages, BiConsumer<List<LeasedMessage>, Integer> action) {
		int first = 0;
		while (first < messages.size()) {
			String queue = messages.get(first).queue();
			int end = first + 1;
			while (end < messages.size() && end - first < MAX_BATCH && messages.get(end).queue().equals(queue)) {
				end++;
			}
			action.accept(messages.subList(first, end), first);
			first = end;
		}
	}

	private void ackBatch(List<LeasedMessage> batch, boolean[] acked, int offset) {
		QueueKeys keys = this.queues.keys(batch.get(0).queue());
		// Under an in-flight limit a consumer may wait for the slots these acks free: the script
		// wakes it when given the channel, and reads nothing more when not.
		boolean wake = this.flow.limited(batch.get(0).queue());
		byte[][] keyAndArgs = leaseArgs(keys, batch, wake ? keys.channel() : NO_WAKE, keys.name());
		byte[] results = this.connections.execute((connection) -> {
			byte[] reply = this.ack.run(connection, ReturnType.VALUE, keyAndArgs);
			if (this.replicaWait.enabled()) {
				awaitAckReplicas(connection, keys.routing(), batch);
			}
			return reply;
		});
		readOutcomes(results, acked, offset, batch.size());
	}

	/**
	 * The keys and arguments of a script over leased messages of one queue: routing key, base,
	 * then {@code extra} arguments, then each message's id and lease token.
	 */
	static byte[][] leaseArgs(QueueKeys keys, List<LeasedMessage> batch, byte[]... extra) {
		byte[][] keyAndArgs = new byte[2 + extra.length + batch.size() * 2][];
		keyAndArgs[0] = keys.routing();
		keyAndArgs[1] = keys.base();
		System.arraycopy(extra, 0, keyAndArgs, 2, extra.length);
		int i = 2 + extra.length;
		for (LeasedMessage message : batch) {
			keyAndArgs[i++] = bytes(message.id());
			keyAndArgs[i++] = bytes(message.leaseToken());
		}
		return keyAndArgs;
	}

	/** Reads a script's reply of one character per message, {@code '1'} for done. */
	static void readOutcomes(byte @Nullable [] results, boolean[] outcomes, int offset, int count) {
		for (int j = 0; j < count; j++) {
			outcomes[offset + j] = results != null && j < results.length && results[j] == '1';
		}
	}

	/**
	 * An ack no replica has yet is not an error: it is applied on the master, and if the master
	 * fails before a replica has it the message is delivered again (a duplicate, never a loss).
	 */
	private void awaitAckReplicas(RedisConnection connection, byte[] routing, List<LeasedMessage> batch) {
		long confirmed = this.replicaWait.await(connection, routing);
		if (confirmed < this.replicaWait.replicas()) {
			this.acksUnconfirmed.add(batch.size());
			logger.debug("Queue '{}': {} ack(s) confirmed by {} of {} replica(s) within {} ms; a failover now would "
					+ "deliver them again", batch.get(0).queue(), batch.size(), confirmed, this.replicaWait.replicas(),
					this.replicaWait.timeout().toMillis());
		}
	}

	/** @return acks that fewer replicas than {@code wait-replicas} confirmed in time (this instance) */
	long acksUnconfirmed() {
		return this.acksUnconfirmed.sum();
	}

	boolean nack(LeasedMessage message, FailureDecision decision, String failure) {
		String error = ErrorHeader.value(failure);
		String queue = message.queue();
		QueueKeys keys = this.queues.keys(queue);
		QueueKeys dlq = this.queues.keys(QueueSpec.deadLetterQueueOf(queue));
		boolean retry = decision instanceof FailureDecision.Retry;
		long delay = (decision instanceof FailureDecision.Retry r) ? r.delay().toMillis() : 0;
		Long result = this.connections.execute((connection) -> this.nack.run(connection, ReturnType.INTEGER,
				keys.routing(), keys.base(), bytes(message.id()), bytes(message.leaseToken()),
				bytes(retry ? "retry" : "dlq"), bytes(Long.toString(delay)), bytes(error), dlq.base(), keys.name(),
				keys.channel(), dlq.name(), this.flow.limited(queue) ? WAKE : NO_WAKE));
		if (result != null && result == 2) {
			logger.warn("Dropped message {} from queue '{}' after {} attempts: the queue has no dead-letter queue ({})",
					message.id(), queue, message.attempts(), error);
		}
		return result != null && result >= 1;
	}

	boolean release(LeasedMessage message) {
		QueueKeys keys = this.queues.keys(message.queue());
		Long result = this.connections.execute((connection) -> this.release.run(connection, ReturnType.INTEGER,
				keys.routing(), keys.base(), bytes(message.id()), bytes(message.leaseToken()), keys.channel(),
				keys.name()));
		return result != null && result == 1;
	}

	boolean extendLease(LeasedMessage message, Duration duration) {
		return extendLeases(List.of(message), duration)[0];
	}

	boolean[] extendLeases(List<LeasedMessage> messages, Duration duration) {
		boolean[] extended = new boolean[messages.size()];
		byte[] leaseMillis = bytes(Long.toString(duration.toMillis()));
		forEachQueueBatch(messages, (batch, offset) -> {
			byte[][] keyAndArgs = leaseArgs(this.queues.keys(batch.get(0).queue()), batch, leaseMillis);
			byte[] results = this.connections
				.execute((connection) -> this.extend.run(connection, ReturnType.VALUE, keyAndArgs));
			readOutcomes(results, extended, offset, batch.size());
		});
		return extended;
	}

}
