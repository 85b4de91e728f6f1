package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one instance that refills the token queues of shared throttles. Leading is being the
 * exclusive consumer of {@link AmqpNames#throttleLeader}: RabbitMQ refuses a second exclusive
 * consumer of a queue, whatever connection it comes from, and cancels the first with its
 * channel, so a leader that dies or loses its connection lets another instance lead at its next
 * try (every {@link #ELECTION_INTERVAL_NANOS}).
 * <p>
 * Only the leader creates a token queue, full, as a new bucket is; it finds out with a passive
 * declare the first time it refills the queue. Refilling keeps, for each token queue, a level: permits earned at the rate and not published
 * yet. At each refill it counts the queue's ready tokens, caps the level at {@code burst - ready}
 * and publishes its whole part. Ready tokens plus level thus never exceed the burst, and tokens
 * come from nowhere else, so tokens taken over {@code t} seconds are at most
 * {@code burst + rate * t}. A queue is refilled about twice per burst's worth of time, between
 * every 10 ms and every 100 ms: a throttle whose burst is smaller than 10 ms of its rate gets
 * at most its burst per 10 ms.
 */
final class ThrottleLeader {

	private static final Logger logger = LoggerFactory.getLogger(ThrottleLeader.class);

	/** How often an instance that does not lead tries to. */
	static final long ELECTION_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final long MIN_REFILL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final long MAX_REFILL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	/** The longest gap a refill credits: a stalled leader does not come back with a flood. */
	private static final long MAX_CREDITED_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** The leader queue is deleted a minute after its last consumer is gone. */
	private static final int LEADER_QUEUE_EXPIRES_MILLIS = 60_000;

	/**
	 * A throttle's token queue.
	 *
	 * @param queue the token queue
	 * @param rate permits per second
	 * @param burst the most permits at once
	 */
	record Bucket(String queue, double rate, long burst) {
	}

	private final String driverName;

	private final AmqpChannels channels;

	private final String leaderQueue;

	private final TokenQueues tokenQueues;

	/** The channel of the exclusive consumer, while leading. */
	private volatile @Nullable Channel leadership;

	private long lastElection = System.nanoTime() - ELECTION_INTERVAL_NANOS;

	private final Map<String, Refill> refills = new HashMap<>();

	private static final long REFILL_WARNING_NANOS = TimeUnit.MINUTES.toNanos(1);

	private long lastRefillWarning = System.nanoTime() - REFILL_WARNING_NANOS;

	ThrottleLeader(String driverName, AmqpChannels channels, String leaderQueue, TokenQueues tokenQueues) {
		this.driverName = driverName;
		this.channels = channels;
		this.leaderQueue = leaderQueue;
		this.tokenQueues = tokenQueues;
	}

	/** One step, on the throttles' worker: try to lead if no one may be, refill what is due if leading. */
	void run(List<Bucket> buckets, long nowNanos) {
		if (buckets.isEmpty()) {
			return;
		}
		if (!leading()) {
			if (nowNanos - this.lastElection < ELECTION_INTERVAL_NANOS) {
				return;
			}
			this.lastElection = nowNanos;
			if (!tryToLead()) {
				return;
			}
		}
		for (Bucket bucket : buckets) {
			refill(bucket, nowNanos);
		}
	}

	boolean leading() {
		Channel channel = this.leadership;
		return channel != null && channel.isOpen();
	}

	private boolean tryToLead() {
		Channel channel = null;
		try {
			channel = this.channels.open();
			Map<String, Object> arguments = new HashMap<>(this.tokenQueues.queueType());
			arguments.put("x-expires", LEADER_QUEUE_EXPIRES_MILLIS);
			channel.queueDeclare(this.leaderQueue, true, false, false, arguments);
			channel.basicConsume(this.leaderQueue, true, "", false, true, null, new LeaderConsumer(channel));
		}
		catch (IOException | RuntimeException ex) {
			// Most often ACCESS_REFUSED: another instance is the exclusive consumer.
			if (channel != null) {
				AmqpChannels.closeQuietly(channel);
			}
			if (this.leadership != null) {
				logger.info("Driver '{}': no longer refills the throttles' token queues", this.driverName);
				this.leadership = null;
			}
			return false;
		}
		this.refills.clear();
		this.leadership = channel;
		logger.info("Driver '{}': refills the throttles' token queues for every instance ({})", this.driverName,
				this.leaderQueue);
		return true;
	}

	private void refill(Bucket bucket, long nowNanos) {
		Refill refill = this.refills.computeIfAbsent(bucket.queue(), (queue) -> new Refill(nowNanos));
		if (nowNanos - refill.dueAt < 0) {
			return;
		}
		try {
			if (!refill.seen) {
				refill.seen = true;
				if (this.tokenQueues.readyIfExists(bucket.queue()) < 0) {
					// A new throttle (or one idle until its queue expired): a full bucket.
					this.tokenQueues.declare(bucket.queue(), bucket.burst());
					this.tokenQueues.publish(bucket.queue(), bucket.burst());
				}
			}
			long ready = this.tokenQueues.declare(bucket.queue(), bucket.burst());
			long credited = Math.min(nowNanos - refill.refilledAt, MAX_CREDITED_NANOS);
			double earned = refill.level + bucket.rate() * credited / 1e9;
			refill.level = Math.max(0, Math.min(bucket.burst() - ready, earned));
			refill.refilledAt = nowNanos;
			long count = (long) refill.level;
			if (count > 0) {
				// Spent before publishing: a publish that fails half-way loses tokens, never repeats them.
				refill.level -= count;
				this.tokenQueues.publish(bucket.queue(), count);
			}
			refill.dueAt = nowNanos + refillInterval(bucket);
		}
		catch (IOException | RuntimeException ex) {
			// Throttled messages wait while refills fail: worth a warning, once a minute at most.
			if (nowNanos - this.lastRefillWarning > REFILL_WARNING_NANOS) {
				this.lastRefillWarning = nowNanos;
				logger.warn("Driver '{}': could not refill the throttle token queue {} ({}); throttled messages wait"
						+ " until it works", this.driverName, bucket.queue(), AmqpChannels.describe(ex));
			}
			this.tokenQueues.closeChannel();
			refill.dueAt = nowNanos + MAX_REFILL_NANOS;
		}
	}

	/** Half the time the burst takes to earn, between 10 and 100 ms. */
	static long refillInterval(Bucket bucket) {
		double half = bucket.burst() / bucket.rate() / 2 * 1e9;
		return (long) Math.max(MIN_REFILL_NANOS, Math.min(MAX_REFILL_NANOS, half));
	}

	void close() {
		Channel channel = this.leadership;
		this.leadership = null;
		if (channel != null) {
			AmqpChannels.closeQuietly(channel);
		}
	}

	/**
	 * The exclusive consumer that is the leadership. When RabbitMQ cancels it (the leader queue
	 * was deleted, or its node went away) the channel may stay open: leading ends with the
	 * consumer, not only with the channel, or two instances could refill at once.
	 */
	private final class LeaderConsumer extends DefaultConsumer {

		LeaderConsumer(Channel channel) {
			super(channel);
		}

		@Override
		public void handleCancel(String consumerTag) {
			Channel channel = getChannel();
			if (ThrottleLeader.this.leadership == channel) {
				ThrottleLeader.this.leadership = null;
				logger.info("Driver '{}': no longer refills the throttles' token queues (its consumer was cancelled)",
						ThrottleLeader.this.driverName);
			}
			// Not on the connection's thread: closing waits for RabbitMQ's close-ok.
			AmqpChannels.closeInBackground(java.util.List.of(channel));
		}

	}

	/** A token queue's refill state while leading. */
	private static final class Refill {

		/** Permits earned and not published yet. */
		double level;

		/** Whether this leader has looked whether the queue exists: a missing one is created full. */
		boolean seen;

		long refilledAt;

		long dueAt;

		Refill(long nowNanos) {
			this.refilledAt = nowNanos;
			this.dueAt = nowNanos;
		}

	}

}
