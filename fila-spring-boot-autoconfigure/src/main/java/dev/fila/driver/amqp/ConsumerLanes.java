package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.ShutdownSignalException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels a {@link QueueSession} consumes on ("lanes"), each carrying a share of the key
 * queues' consumers and their acks, with an exclusive empty queue for {@link Barrier barriers}.
 * They open and close together, and reopen after a loss with a backoff of 100 ms doubling to
 * 5 s. Guarded by the session's lock: a barrier alone runs outside it.
 */
final class ConsumerLanes {

	private static final Logger logger = LoggerFactory.getLogger(ConsumerLanes.class);

	private static final long MIN_RECONNECT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private static final long MAX_RECONNECT_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

	/**
	 * How many channels a session spreads its key queues' consumers over. One: four channels
	 * (four RabbitMQ channel processes, four client dispatch threads contending for the session
	 * lock) measured slower in AmqpBenchmark on a 2-core machine, see docs/benchmarks.md.
	 */
	static final int CHANNELS = 1;

	private final SessionHost host;

	private final String queue;

	/** The open channels; null while disconnected. */
	private @Nullable List<Lane> lanes;

	/** An exclusive empty queue of the first channel, consumed briefly by a barrier. */
	private @Nullable String barrierQueue;

	private long reconnectAt;

	private long reconnectBackoff = MIN_RECONNECT_BACKOFF_NANOS;

	ConsumerLanes(SessionHost host, String queue) {
		this.host = host;
		this.queue = queue;
	}

	boolean isOpen() {
		return this.lanes != null;
	}

	/** The open lanes; only while {@link #isOpen}. */
	List<Lane> lanes() {
		List<Lane> lanes = this.lanes;
		if (lanes == null) {
			throw new IllegalStateException("Queue " + this.queue + ": no channel open");
		}
		return lanes;
	}

	/** Whether a closed set of lanes may be opened now (the backoff since the last failure ran out). */
	boolean reconnectDue(long now) {
		return now - this.reconnectAt >= 0;
	}

	/** How long until the lanes may be opened again. */
	long untilReconnect(long now) {
		return Math.max(0, this.reconnectAt - now);
	}

	/**
	 * Opens the lanes and the barrier queue, or none of them.
	 * @param lost called on the connection's thread when a channel shuts down
	 */
	void open(Consumer<ShutdownSignalException> lost) throws IOException {
		List<Lane> lanes = new ArrayList<>(CHANNELS);
		try {
			for (int i = 0; i < CHANNELS; i++) {
				Channel channel = this.host.openChannel();
				lanes.add(new Lane(channel));
				channel.addShutdownListener(lost::accept);
			}
			this.barrierQueue = lanes.get(0).channel.queueDeclare("", false, true, false, null).getQueue();
		}
		catch (IOException | RuntimeException ex) {
			lanes.forEach((lane) -> AmqpChannels.closeQuietly(lane.channel));
			throw ex;
		}
		this.lanes = lanes;
	}

	/** Consuming started on newly opened lanes: the next loss reconnects at once. */
	void connected() {
		this.reconnectBackoff = MIN_RECONNECT_BACKOFF_NANOS;
	}

	/** Opening or starting to consume failed: the next attempt waits, twice as long as the last. */
	void failed(long now, Exception ex) {
		this.reconnectAt = now + this.reconnectBackoff;
		this.reconnectBackoff = Math.min(this.reconnectBackoff * 2, MAX_RECONNECT_BACKOFF_NANOS);
		logger.warn("Queue {}: cannot consume from RabbitMQ ({}); retrying", this.queue, AmqpChannels.describe(ex));
	}

	/**
	 * Forgets the lanes after a failure, to be opened again at once; their channels close on a
	 * thread of their own (this may be the connection's thread, which a close waits for).
	 */
	void drop() {
		List<Lane> lanes = this.lanes;
		this.lanes = null;
		this.reconnectAt = System.nanoTime();
		if (lanes != null) {
			// All lanes go together: one lost channel requeues its messages, the others' follow.
			List<Channel> channels = new ArrayList<>(lanes.size());
			lanes.forEach((lane) -> channels.add(lane.channel));
			AmqpChannels.closeInBackground(channels);
		}
	}

	/** Closes the lanes for good: what is still unacked on them goes back to RabbitMQ. */
	void close() {
		List<Lane> lanes = this.lanes;
		this.lanes = null;
		if (lanes != null) {
			Channel first = lanes.get(0).channel;
			// Neither waits for RabbitMQ's answer: after a broker restart a channel can look
			// open and never answer, and a blocking call here would hang for the client's
			// RPC timeout (10 minutes). Closing the channel gives its unacked messages back.
			if (this.barrierQueue != null && first.isOpen()) {
				try {
					first.queueDeleteNoWait(this.barrierQueue, false, false);
				}
				catch (IOException | RuntimeException ex) {
					// exclusive: it goes with the connection anyway
				}
			}
			lanes.forEach((lane) -> AmqpChannels.abortQuietly(lane.channel));
		}
	}

	/** A barrier over the open lanes, to be awaited without the session's lock; null when closed. */
	@Nullable Barrier barrier() {
		List<Lane> lanes = this.lanes;
		String barrierQueue = this.barrierQueue;
		return (lanes != null && barrierQueue != null) ? new Barrier(this.queue, lanes, barrierQueue) : null;
	}

	/**
	 * Waits until every message RabbitMQ pushed on the lanes before the call was dispatched: a
	 * consumer's consume-ok is dispatched after the deliveries that preceded it on the channel.
	 */
	record Barrier(String queue, List<Lane> lanes, String barrierQueue) {

		void await() {
			try {
				// The barrier queue is exclusive to the connection, which every lane shares.
				for (Lane lane : this.lanes) {
					CountDownLatch dispatched = new CountDownLatch(1);
					String tag = lane.channel.basicConsume(this.barrierQueue, true, new DefaultConsumer(lane.channel) {

						@Override
						public void handleConsumeOk(String consumerTag) {
							dispatched.countDown();
						}

					});
					dispatched.await(5, TimeUnit.SECONDS);
					lane.channel.basicCancel(tag);
				}
			}
			catch (IOException | RuntimeException ex) {
				logger.debug("Queue {}: barrier failed ({})", this.queue, AmqpChannels.describe(ex));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	/** One of a session's consuming channels, with the prefetch its next consumer gets. */
	static final class Lane {

		final Channel channel;

		/** The channel's current {@code basic.qos} (per consumer); -1 before the first. */
		private int prefetch = -1;

		Lane(Channel channel) {
			this.channel = channel;
		}

		/** Consumes a queue with manual acks and the given prefetch, setting it only if it changed. */
		synchronized String consume(String queue, int prefetch, DefaultConsumer consumer) throws IOException {
			if (prefetch != this.prefetch) {
				this.channel.basicQos(prefetch, false);
				this.prefetch = prefetch;
			}
			return this.channel.basicConsume(queue, false, consumer);
		}

	}

}
