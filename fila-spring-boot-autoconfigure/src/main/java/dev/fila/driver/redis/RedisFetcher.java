package dev.fila.driver.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

import dev.fila.driver.LeasedMessage;

import static dev.fila.driver.redis.RedisValues.bytes;
import static dev.fila.driver.redis.RedisValues.string;

/**
 * Fetches: the fetch script schedules and leases in Redis; an idle fetch waits for a
 * notification of its queue ({@link QueueSignals}), for when the script says something may
 * become deliverable, or at most {@link #IDLE_RECHECK_NANOS}, and asks again. On one Redis an
 * idle fetch also takes messages an enqueue leased for it ({@link RedisHandOff}).
 */
final class RedisFetcher {

	/** Longest an idle fetch waits before asking Redis again, notification or not. */
	private static final long IDLE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final RedisQueues queues;

	private final QueueSignals signals;

	private final LeasedMessages messages;

	private final @Nullable RedisHandOff handOff;

	private static final byte[] NO_HAND_OFF = new byte[0];

	private static final byte[] NO_REGISTRATION = bytes("0");

	private final byte[] throttlePrefix;

	private final ClusterThrottles clusterThrottles;

	/** Fetch scripts that reported a throttle holding a message back, by queue (this instance only). */
	private final Map<String, LongAdder> throttleLimited = new ConcurrentHashMap<>();

	private final RedisScripts fetch = RedisScripts.load("fetch", "schedule");

	/**
	 * @param queues the queues
	 * @param signals the notifications idle fetches wait for
	 * @param messages reads leased messages
	 * @param handOff the hand-off fetches register for, or {@code null} (Redis Cluster)
	 * @param throttlePrefix the prefix of throttle bucket keys, {@code <prefix>:throttle:}
	 */
	RedisFetcher(RedisQueues queues, QueueSignals signals, LeasedMessages messages, @Nullable RedisHandOff handOff,
			String throttlePrefix) {
		this.queues = queues;
		this.signals = signals;
		this.messages = messages;
		this.handOff = handOff;
		this.throttlePrefix = bytes(throttlePrefix);
		this.clusterThrottles = new ClusterThrottles(throttlePrefix);
	}

	List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		return fetch(queue, max, maxWait, CarriedAcks.NONE);
	}

	/**
	 * A fetch whose first script call acks {@code acks} before it leases (see fetch.lua): their
	 * outcomes are told right after that call, before the fetch waits.
	 */
	List<LeasedMessage> fetch(String queue, int max, Duration maxWait, CarriedAcks acks) throws InterruptedException {
		this.signals.enter(queue);
		try {
			return fetchWaiting(queue, max, maxWait, acks);
		}
		finally {
			this.signals.exit(queue);
		}
	}

	private List<LeasedMessage> fetchWaiting(String queue, int max, Duration maxWait, CarriedAcks acks)
			throws InterruptedException {
		long deadline = System.nanoTime() + maxWait.toNanos();
		QueueKeys keys = this.queues.keys(queue);
		byte[][] keyAndArgs = fetchArgs(keys, max, CarriedAcks.NONE);
		byte[][] firstKeyAndArgs = acks.messages().isEmpty() ? keyAndArgs : fetchArgs(keys, max, acks);
		this.signals.watch(queue);
		long wakeUpsSeen = this.signals.wakeUps(queue);
		boolean first = true;
		while (true) {
			long seen = this.signals.version(queue);
			if (!first) {
				List<LeasedMessage> handedOff = this.signals.takeHandedOff(queue, max);
				if (!handedOff.isEmpty()) {
					return handedOff;
				}
			}
			byte[][] args = first ? firstKeyAndArgs : keyAndArgs;
			args[args.length - 1] = registrationMillis(deadline - System.nanoTime());
			FetchReply reply = this.queues.onQueue(queue, (connection) -> fetchOnce(connection, queue, max, args));
			if (first && !acks.messages().isEmpty()) {
				acks.outcomes().accept(ackOutcomes(reply.values().get(5), acks.messages().size()));
			}
			first = false;
			MissingMessages.warnIfAny(queue, "a fetch", ((Number) reply.values().get(4)).longValue());
			List<LeasedMessage> leased = leasedMessages(queue, reply.values());
			if (reply.throttled()) {
				this.throttleLimited.computeIfAbsent(queue, (name) -> new LongAdder()).increment();
			}
			long remaining = deadline - System.nanoTime();
			if (!leased.isEmpty()) {
				return leased;
			}
			List<LeasedMessage> handedOff = this.signals.takeHandedOff(queue, max);
			if (!handedOff.isEmpty() || remaining <= 0 || this.signals.wakeUps(queue) != wakeUpsSeen) {
				return handedOff;
			}
			if (reply.retryAtOnce()) {
				continue;
			}
			long hint = reply.hintMillis();
			long wait = Math.min(remaining, IDLE_RECHECK_NANOS);
			if (hint >= 0) {
				wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(hint + 1));
			}
			this.signals.await(queue, seen, wait);
		}
	}

	/**
	 * How long a hand-off registration of a script call lasts: never beyond the fetch's own wait,
	 * so that an enqueue after the fetch returned does not lease for nobody (the lease would be
	 * given back, and the message would lose its place meanwhile); a millisecond short of it,
	 * since Redis reads its clock a little after this one. 0 registers nothing.
	 */
	private static byte[] registrationMillis(long remainingNanos) {
		long millis = Math.min(RedisHandOff.REGISTRATION_MILLIS, TimeUnit.NANOSECONDS.toMillis(remainingNanos) - 1);
		return (millis > 0) ? bytes(Long.toString(millis)) : NO_REGISTRATION;
	}

	/**
	 * The fetch script's keys and arguments: routing key, base, max, throttle prefix, queue name,
	 * then the acks' channel, their count and each one's id and lease token, then the hand-off
	 * channel to register (empty for none) and how long a registration lasts (set per call).
	 */
	private byte[][] fetchArgs(QueueKeys keys, int max, CarriedAcks acks) {
		byte[][] leaseArgs = RedisSettlement.leaseArgs(keys, acks.messages(), bytes(Integer.toString(max)),
				this.throttlePrefix, keys.name(), acks.channel(), bytes(Integer.toString(acks.messages().size())));
		byte[][] args = Arrays.copyOf(leaseArgs, leaseArgs.length + 2);
		args[leaseArgs.length] = (this.handOff != null) ? this.handOff.channelToRegister() : NO_HAND_OFF;
		args[leaseArgs.length + 1] = NO_REGISTRATION;
		return args;
	}

	/** Reads the script's string of one character per ack, as an ack script's reply. */
	private static boolean[] ackOutcomes(Object reply, int count) {
		boolean[] acked = new boolean[count];
		RedisSettlement.readOutcomes((reply instanceof byte[] text) ? text : null, acked, 0, count);
		return acked;
	}

	/**
	 * Acks a fetch sends before it leases.
	 * @param messages the leased messages to ack, all of the fetched queue
	 * @param channel the queue's notification channel when consumers may wait for the slots the
	 * acks free (an in-flight limit), else empty
	 * @param outcomes told, once, whether each ack took effect
	 */
	record CarriedAcks(List<LeasedMessage> messages, byte[] channel, Consumer<boolean[]> outcomes) {

		static final CarriedAcks NONE = new CarriedAcks(List.of(), new byte[0], (acked) -> {
		});

	}

	/**
	 * One fetch script call. On Redis Cluster, throttle buckets live in other slots: permits are
	 * taken before the call and what it did not spend is given back after (see ClusterThrottles).
	 */
	@SuppressWarnings("unchecked")
	private FetchReply fetchOnce(RedisConnection connection, String queue, int max, byte[][] keyAndArgs) {
		if (!(connection instanceof RedisClusterConnection)) {
			List<Object> reply = this.fetch.run(connection, ReturnType.MULTI, keyAndArgs);
			return new FetchReply(reply, ((Number) reply.get(1)).longValue(), isThrottled(reply), false);
		}
		ClusterThrottles.Taken taken = this.clusterThrottles.take(connection, queue, max);
		List<byte[]> args = new ArrayList<>(Arrays.asList(keyAndArgs));
		args.addAll(taken.arguments());
		List<Object> reply = this.fetch.run(connection, ReturnType.MULTI, args.toArray(new byte[0][]));
		Map<String, Long> spent = new LinkedHashMap<>();
		List<Object> pairs = (List<Object>) reply.get(3);
		for (int i = 0; i + 1 < pairs.size(); i += 2) {
			spent.put(string(pairs.get(i)), ((Number) pairs.get(i + 1)).longValue());
		}
		boolean unasked = this.clusterThrottles.settle(connection, queue, taken, spent);
		long hint = ((Number) reply.get(1)).longValue();
		boolean throttled = isThrottled(reply);
		if (throttled && taken.refillMillis() >= 0 && (hint < 0 || taken.refillMillis() < hint)) {
			hint = taken.refillMillis();
		}
		return new FetchReply(reply, hint, throttled, unasked);
	}

	private static boolean isThrottled(List<Object> reply) {
		return ((Number) reply.get(2)).longValue() > 0;
	}

	/**
	 * @param values the fetch script's reply
	 * @param hintMillis when something may become deliverable, or -1
	 * @param throttled whether a throttle held a message back
	 * @param retryAtOnce whether a message waited for a throttle key no permits were taken of
	 */
	private record FetchReply(List<Object> values, long hintMillis, boolean throttled, boolean retryAtOnce) {
	}

	@SuppressWarnings("unchecked")
	private List<LeasedMessage> leasedMessages(String queue, List<Object> reply) {
		List<Object> items = (List<Object>) reply.get(0);
		List<LeasedMessage> leased = new ArrayList<>(items.size());
		for (Object item : items) {
			leased.add(this.messages.read(queue, (List<Object>) item));
		}
		return leased;
	}

	/** @return how many fetches a throttle held a message back in (this instance) */
	long throttleLimited(String queue) {
		LongAdder count = this.throttleLimited.get(queue);
		return (count != null) ? count.sum() : 0;
	}

	/** Forgets this instance's fetch state of a deleted queue. */
	void forget(String queue) {
		this.throttleLimited.remove(queue);
		this.clusterThrottles.forget(queue);
		this.signals.forget(queue);
	}

}
