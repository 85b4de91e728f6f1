package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.scheduling.Throttles;

/**
 * Throttles that hold across every instance on one RabbitMQ: a throttle key's permits are the
 * messages of its token queue ({@link AmqpNames#throttleTokens}), which one instance, the
 * {@link ThrottleLeader}, refills at the key's rate up to its burst. An instance takes tokens
 * with {@code basic.get} and auto-ack, so a token taken is spent whatever happens to the
 * instance next; it keeps the few it took ahead (at most 10 ms of the rate) until its scheduler
 * spends them. Every permit spent was a token, and the leader never lets ready tokens and its
 * own accrual together exceed the burst, so from the moment a throttle is set the instances
 * together spend at most {@code burst + rate * t} permits. Like a local token bucket, a new
 * throttle starts full: the leader creates its token queue with the burst in it.
 * <p>
 * Tokens are taken on a worker thread of their own, never under a scheduler's lock: a
 * scheduler that finds no token asks for some and looks again after
 * {@link #TAKING_WAIT_NANOS}, or, when the queue was empty, when the leader may have refilled it.
 */
final class SharedThrottles implements Throttles {

	private static final Logger logger = LoggerFactory.getLogger(SharedThrottles.class);

	/** How long a scheduler waits before looking again while tokens are being taken. */
	static final long TAKING_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** How often the worker runs the leader's election and refills. */
	static final long TICK_MILLIS = 10;

	/**
	 * The most tokens a token queue holds: a permit is a message, so a larger burst acts as this
	 * one rather than have the leader publish millions of messages.
	 */
	static final long MAX_TOKENS = 10_000;

	private static final long MIN_EMPTY_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	private static final long MAX_EMPTY_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private final String driverName;

	private final AmqpNames names;

	private final AmqpChannels channels;

	/** Only the worker uses it. */
	private final TokenQueues tokenQueues;

	private final ThrottleLeader leader;

	private final ScheduledExecutorService worker;

	/** Guarded by {@code this}. */
	private final Map<String, KeyTokens> keys = new HashMap<>();

	SharedThrottles(String driverName, AmqpChannels channels, AmqpNames names, boolean quorum) {
		this.driverName = driverName;
		this.names = names;
		this.channels = channels;
		this.tokenQueues = new TokenQueues(channels, quorum);
		this.leader = new ThrottleLeader(driverName, channels, names.throttleLeader(), this.tokenQueues);
		this.worker = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fila-amqp-" + driverName + "-throttles");
			thread.setDaemon(true);
			return thread;
		});
		this.worker.scheduleWithFixedDelay(this::lead, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
	}

	/**
	 * Creates or changes a throttle in this instance; every instance is told the same by the
	 * settings watcher.
	 */
	synchronized void set(String key, double rate, long burst) {
		if (!(rate > 0) || Double.isInfinite(rate) || burst < 1) {
			throw new IllegalArgumentException(
					"A throttle needs a finite rate > 0 and burst >= 1, was rate=" + rate + ", burst=" + burst);
		}
		if (burst > MAX_TOKENS) {
			logger.warn("Driver '{}': throttle '{}' has burst {}; on RabbitMQ, where each permit is a message, it acts"
					+ " as {}", this.driverName, key, burst, MAX_TOKENS);
		}
		long tokensAtMost = Math.min(burst, MAX_TOKENS);
		KeyTokens tokens = this.keys.computeIfAbsent(key, (k) -> new KeyTokens());
		tokens.bucket = new ThrottleLeader.Bucket(this.names.throttleTokens(key, tokensAtMost), rate, tokensAtMost);
	}

	@Override
	public synchronized long tryAcquireAll(List<String> keys, long nowNanos) {
		long wait = 0;
		for (String key : keys) {
			KeyTokens tokens = this.keys.get(key);
			if (tokens != null && tokens.held < 1) {
				wait = Math.max(wait, requestTokens(tokens, nowNanos));
			}
		}
		if (wait > 0) {
			return wait;
		}
		for (int i = 0; i < keys.size(); i++) {
			KeyTokens tokens = this.keys.get(keys.get(i));
			if (tokens != null && keys.indexOf(keys.get(i)) == i) {
				tokens.held--;
			}
		}
		return 0;
	}

	/** Asks the worker for tokens unless it is taking some or the queue was just empty. */
	private long requestTokens(KeyTokens tokens, long nowNanos) {
		if (tokens.taking) {
			return TAKING_WAIT_NANOS;
		}
		if (nowNanos - tokens.emptyUntil < 0) {
			return tokens.emptyUntil - nowNanos;
		}
		tokens.taking = true;
		try {
			this.worker.execute(() -> take(tokens));
		}
		catch (RejectedExecutionException ex) {
			// Closed: no more permits.
			tokens.taking = false;
			tokens.emptyUntil = nowNanos + MAX_EMPTY_WAIT_NANOS;
		}
		return TAKING_WAIT_NANOS;
	}

	/** Runs on the worker. */
	private void take(KeyTokens tokens) {
		ThrottleLeader.Bucket bucket;
		synchronized (this) {
			bucket = tokens.bucket;
		}
		int taken = 0;
		try {
			taken = this.tokenQueues.take(bucket.queue(), tokensAhead(bucket));
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Driver '{}': could not take tokens of {} ({})", this.driverName, bucket.queue(),
					AmqpChannels.describe(ex));
			this.tokenQueues.closeChannel();
		}
		synchronized (this) {
			tokens.held += taken;
			tokens.taking = false;
			if (taken == 0) {
				tokens.emptyUntil = System.nanoTime() + emptyWait(bucket.rate());
			}
		}
	}

	/** Runs on the worker: the leader's election and refills. */
	private void lead() {
		List<ThrottleLeader.Bucket> buckets = new ArrayList<>();
		synchronized (this) {
			this.keys.values().forEach((tokens) -> buckets.add(tokens.bucket));
		}
		try {
			this.leader.run(buckets, System.nanoTime());
		}
		catch (RuntimeException ex) {
			logger.warn("Driver '{}': throttle refill failed", this.driverName, ex);
		}
	}

	/** How many tokens to take at once: those of 10 ms at the rate, at least one, at most the burst. */
	static int tokensAhead(ThrottleLeader.Bucket bucket) {
		double tenMillis = Math.ceil(bucket.rate() / 100);
		return (int) Math.max(1, Math.min(Math.min(bucket.burst(), tenMillis), 1000));
	}

	/** How long to wait after finding the queue empty: about one permit's time. */
	static long emptyWait(double rate) {
		double nanos = TimeUnit.SECONDS.toNanos(1) / rate;
		return (long) Math.max(MIN_EMPTY_WAIT_NANOS, Math.min(MAX_EMPTY_WAIT_NANOS, nanos));
	}

	/**
	 * @return the permits of a throttle key now: its ready tokens (the burst when the leader has
	 * not created its queue yet, which it will fill) and those this instance holds, or
	 * {@code NaN} when there is no such throttle
	 */
	double available(String key) {
		ThrottleLeader.Bucket bucket;
		long held;
		synchronized (this) {
			KeyTokens tokens = this.keys.get(key);
			if (tokens == null) {
				return Double.NaN;
			}
			bucket = tokens.bucket;
			held = tokens.held;
		}
		long ready = this.channels.readyCount(bucket.queue());
		return ((ready < 0) ? bucket.burst() : ready) + held;
	}

	/** @return the token queues of the throttles this instance knows */
	synchronized List<String> tokenQueues() {
		return this.keys.values().stream().map((tokens) -> tokens.bucket.queue()).toList();
	}

	/** @return whether this instance refills the token queues of every instance */
	boolean leading() {
		return this.leader.leading();
	}

	void close() {
		this.worker.shutdownNow();
		try {
			this.worker.awaitTermination(1, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.leader.close();
		this.tokenQueues.closeChannel();
	}

	/** A throttle key in this instance; guarded by the throttles' lock. */
	private static final class KeyTokens {

		ThrottleLeader.Bucket bucket;

		/** Tokens taken from the queue and not spent yet. */
		long held;

		/** Whether the worker is taking tokens. */
		boolean taking;

		/** Until when not to look again: the queue was empty. */
		long emptyUntil = System.nanoTime();

	}

}
