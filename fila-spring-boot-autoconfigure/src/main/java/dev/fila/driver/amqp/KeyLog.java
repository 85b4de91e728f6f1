package dev.fila.driver.amqp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaException;

import static dev.fila.driver.amqp.KeyLogRecords.DELAY;
import static dev.fila.driver.amqp.KeyLogRecords.ID;
import static dev.fila.driver.amqp.KeyLogRecords.KEY;
import static dev.fila.driver.amqp.KeyLogRecords.OP;
import static dev.fila.driver.amqp.KeyLogRecords.QUEUE;
import static dev.fila.driver.amqp.KeyLogRecords.SYNC;

/**
 * The driver's key log: a RabbitMQ stream ({@code <prefix>:keys}) of announcements, which is
 * how every application instance learns which fairness-key queues and delay queues a Fila
 * queue has, including ones another instance created, and which Fila queues exist. AMQP 0-9-1
 * cannot list queues; a stream can be read from its start by any number of consumers, so an
 * instance that starts late replays it and knows every key that was ever announced (within
 * the stream's retention). Records are tiny: an operation, a queue and a key or a delay.
 * <p>
 * A producer announces a key when it declares that key's queue, before publishing to it, so a
 * key with messages is always in the log. A {@code sync} record, published and then awaited,
 * tells a reader it has seen everything announced before it.
 * <p>
 * Idle key queues are expired through the log too: an {@code expiring} record opens an expiry,
 * {@code kept} or {@code expired} (same id) closes it. While an expiry is open, producers do
 * not publish to the key's queue and consumers stop consuming it; see {@link KeyExpiry}.
 */
final class KeyLog {

	private static final Logger logger = LoggerFactory.getLogger(KeyLog.class);

	/** How long a {@link #sync} may wait for the log to be read up to it. */
	static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

	private final AmqpChannels channels;

	private final String stream;

	private final Map<String, Object> streamArguments;

	private final Map<String, KeyLogQueue> queues = new ConcurrentHashMap<>();

	private final Map<String, CountDownLatch> syncs = new ConcurrentHashMap<>();

	private final List<KeyLogListener> listeners = new CopyOnWriteArrayList<>();

	/** What the expiry records read so far say: which keys' queues are being expired. */
	private final ExpiryProtocol expiries;

	private @Nullable Channel channel;

	private long nextOffset = -1;

	/**
	 * With key shards: how many keys of a queue get a place in the log's order, and are
	 * remembered at all; 0 for no limit (a queue per key needs every key).
	 */
	private volatile int keyLimit;

	KeyLog(AmqpChannels channels, String stream, long maxBytes, ExpiryProtocol expiries) {
		this.channels = channels;
		this.stream = stream;
		this.expiries = expiries;
		Map<String, Object> arguments = new HashMap<>();
		arguments.put("x-queue-type", "stream");
		arguments.put("x-max-length-bytes", maxBytes);
		arguments.put("x-stream-max-segment-size-bytes", Math.max(1L << 20, Math.min(maxBytes / 8, 64L << 20)));
		this.streamArguments = arguments;
	}

	void declare() {
		this.channels.with((channel) -> channel.channel().queueDeclare(this.stream, true, false, false,
				this.streamArguments));
	}

	/** Listeners hear of every key event of any queue. */
	void listen(KeyLogListener listener) {
		this.listeners.add(listener);
	}

	String stream() {
		return this.stream;
	}

	/** @return the keys announced for a queue so far (a live view) */
	Set<String> keys(String queue) {
		return recordOf(queue).keys;
	}

	/** @return the retry delays announced for a queue so far (a live view) */
	Set<Long> delays(String queue) {
		return recordOf(queue).delays;
	}

	/**
	 * Bounds what this instance keeps per queue to the first {@code limit} keys of the log
	 * (used with key shards, where later keys take the shard of their hash: every instance
	 * agrees on which keys those are, since the log's order is the same everywhere).
	 * @param limit the most keys per queue, at least 1
	 */
	void limitKeys(int limit) {
		this.keyLimit = limit;
	}

	/** @return the keys this instance keeps something of, over all queues (for tests) */
	int keyCount() {
		int count = 0;
		for (KeyLogQueue record : this.queues.values()) {
			count += Math.max(record.keys.size(), Math.max(record.ordinals.size(), record.announcedAt.size()));
		}
		return count;
	}

	/** @return whether the queue's keys have taken every place {@link #limitKeys} allows */
	boolean keysFull(String queue) {
		int limit = this.keyLimit;
		return limit > 0 && recordOf(queue).ordinals.size() >= limit;
	}

	/**
	 * @return a key's place among its queue's keys in the log's order, or null while this
	 * instance has not read the key's record (or the key came after the limit)
	 */
	@Nullable Integer ordinal(String queue, String key) {
		return recordOf(queue).ordinals.get(key);
	}

	/**
	 * Records a key this instance declared, without waiting for its record to come back. It
	 * gets no ordinal: only the log's order is the same everywhere.
	 */
	void learn(String queue, String key) {
		apply(Map.of(OP, "key", QUEUE, queue, KEY, key), -1);
	}

	/** Records a delay queue this instance declared. */
	void learnDelay(String queue, long delay) {
		apply(Map.of(OP, "delay", QUEUE, queue, DELAY, delay), -1);
	}

	/** Whether this instance has read an expiry of the key's queue that is not closed yet. */
	boolean expiring(String queue, String key) {
		return this.expiries.expiring(queue, key);
	}

	/** @return the log offset of the key's latest key record, or null if none was read */
	@Nullable Long lastAnnounced(String queue, String key) {
		return recordOf(queue).announcedAt.get(key);
	}

	/**
	 * Closes, as kept, expiries read too long ago and never closed (see
	 * {@link ExpiryProtocol#abandoned}): their instance died or lost RabbitMQ.
	 */
	void abandonStale() {
		for (ExpiryProtocol.Abandoned expiry : this.expiries.abandoned()) {
			String queue = expiry.queue();
			String key = expiry.key();
			logger.info("Queue {}: the expiry of key '{}' was never closed; keeping the key queue", queue, key);
			close(queue, key, expiry.id(), false);
			// Closed in the log too, so that instances that start later do not pause the key again.
			try {
				this.channels.with((channel) -> channel
					.publish(List.of(KeyLogRecords.expiryOutcome(this.stream, queue, key, expiry.id(), false))));
			}
			catch (RuntimeException ex) {
				logger.debug("Could not record an abandoned expiry in {} ({})", this.stream, ex.getMessage());
			}
		}
	}

	/** @return the queues announced and not dropped */
	List<String> queueNames() {
		return new ArrayList<>(this.queues.keySet());
	}

	private KeyLogQueue recordOf(String queue) {
		return this.queues.computeIfAbsent(queue, (name) -> new KeyLogQueue());
	}

	/**
	 * Waits until this instance has read every record published before the call.
	 * @throws FilaException when the log could not be read in time
	 */
	void sync(Duration timeout) {
		start();
		String id = UUID.randomUUID().toString();
		CountDownLatch seen = new CountDownLatch(1);
		this.syncs.put(id, seen);
		try {
			AmqpChannels.Publish marker = KeyLogRecords.syncRecord(this.stream, id);
			this.channels.with((channel) -> channel.publish(List.of(marker)));
			if (!seen.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new FilaException("The key log " + this.stream + " was not read within " + timeout);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FilaException("Interrupted while reading the key log " + this.stream, ex);
		}
		finally {
			this.syncs.remove(id);
		}
	}

	/** Starts reading the log, or restarts after a broken channel, from where it left off. */
	synchronized void start() {
		if (this.channel != null && this.channel.isOpen()) {
			return;
		}
		try {
			Channel channel = this.channels.open();
			channel.basicQos(1000);
			Map<String, Object> arguments = new HashMap<>();
			arguments.put("x-stream-offset", (this.nextOffset >= 0) ? (Object) this.nextOffset : "first");
			channel.basicConsume(this.stream, false, arguments, new Reader(channel));
			this.channel = channel;
		}
		catch (IOException | RuntimeException ex) {
			throw new FilaException("Could not read the key log " + this.stream + ": " + AmqpChannels.describe(ex), ex);
		}
	}

	synchronized boolean isRunning() {
		return this.channel != null && this.channel.isOpen();
	}

	synchronized void close() {
		if (this.channel != null) {
			AmqpChannels.closeQuietly(this.channel);
		}
		this.channel = null;
	}

	/** @param offset the record's place in the log; -1 for what this instance learnt by itself */
	private void apply(Map<String, Object> headers, long offset) {
		String op = String.valueOf(headers.get(OP));
		Object queue = headers.get(QUEUE);
		switch (op) {
			case "queue" -> recordOf(queue.toString());
			case "key" -> {
				String key = String.valueOf(headers.get(KEY));
				KeyLogQueue record = recordOf(queue.toString());
				if (keysFull(queue.toString()) && !record.ordinals.containsKey(key)) {
					// Past the limit: the key's shard is its hash, and nothing of it is kept.
					break;
				}
				record.keys.add(key);
				if (offset >= 0) {
					synchronized (record) {
						if (!keysFull(queue.toString())) {
							record.ordinals.putIfAbsent(key, record.ordinals.size());
						}
					}
					record.announcedAt.put(key, offset);
				}
				// Announced again too: a producer re-declared a deleted key queue, to be consumed again.
				for (KeyLogListener listener : this.listeners) {
					listener.announced(queue.toString(), key);
				}
			}
			case "expiring" -> {
				String key = String.valueOf(headers.get(KEY));
				this.expiries.expiringRead(queue.toString(), key, String.valueOf(headers.get(ID)), offset);
				for (KeyLogListener listener : this.listeners) {
					listener.expiring(queue.toString(), key);
				}
			}
			case "kept", "expired" -> close(queue.toString(), String.valueOf(headers.get(KEY)),
					String.valueOf(headers.get(ID)), op.equals("expired"));
			case "delay" -> {
				if (headers.get(DELAY) instanceof Number delay) {
					recordOf(queue.toString()).delays.add(delay.longValue());
				}
			}
			case "drop" -> {
				this.queues.remove(queue.toString());
				for (KeyLogListener listener : this.listeners) {
					listener.dropped(queue.toString());
				}
			}
			case "sync" -> {
				CountDownLatch latch = this.syncs.get(String.valueOf(headers.get(SYNC)));
				if (latch != null) {
					latch.countDown();
				}
			}
			default -> logger.debug("Ignoring key log record {} of {}", op, this.stream);
		}
	}

	private void close(String queue, String key, String id, boolean expired) {
		KeyLogQueue known = this.queues.get(queue);
		Long announced = (known != null) ? known.announcedAt.get(key) : null;
		switch (this.expiries.closeRead(queue, key, id, expired, announced)) {
			case DELETED -> {
				KeyLogQueue record = recordOf(queue);
				record.keys.remove(key);
				record.announcedAt.remove(key);
				record.ordinals.remove(key);
				for (KeyLogListener listener : this.listeners) {
					listener.expired(queue, key);
				}
			}
			case DELETED_AND_ANNOUNCED -> {
				// The key stays known and is consumed again, not forgotten.
				for (KeyLogListener listener : this.listeners) {
					listener.expired(queue, key);
					listener.announced(queue, key);
				}
			}
			case RESUMED -> {
				for (KeyLogListener listener : this.listeners) {
					listener.resumed(queue, key);
				}
			}
			case NONE, STILL_EXPIRING -> {
			}
		}
	}

	private final class Reader extends DefaultConsumer {

		private int unacked;

		Reader(Channel channel) {
			super(channel);
		}

		@Override
		public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
				byte[] body) throws IOException {
			Map<String, Object> headers = (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
			long offset = KeyLog.this.nextOffset;
			if (headers.get("x-stream-offset") instanceof Number streamOffset) {
				offset = streamOffset.longValue();
				KeyLog.this.nextOffset = offset + 1;
			}
			try {
				apply(headers, Math.max(0, offset));
			}
			catch (RuntimeException ex) {
				logger.warn("Skipping an unreadable record of the key log {}: {}", KeyLog.this.stream,
						new String(body, StandardCharsets.UTF_8), ex);
			}
			// Stream consumers ack only to grant credit (prefetch 1000); acking in batches is enough.
			if (++this.unacked >= 100) {
				getChannel().basicAck(envelope.getDeliveryTag(), true);
				this.unacked = 0;
			}
		}

		@Override
		public void handleShutdownSignal(String consumerTag, ShutdownSignalException signal) {
			if (!signal.isInitiatedByApplication()) {
				logger.warn("Lost the key log {} ({}); reading resumes when RabbitMQ is back", KeyLog.this.stream,
						signal.getMessage());
			}
		}

	}

}
