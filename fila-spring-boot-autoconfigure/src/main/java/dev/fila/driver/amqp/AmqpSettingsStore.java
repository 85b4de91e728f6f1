package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.Setting;
import dev.fila.config.SettingsStore;
import dev.fila.core.FilaException;

/**
 * Settings in a RabbitMQ stream, {@code <prefix>:settings}: each change is a record (headers
 * {@code op} {@code set} or {@code remove}, {@code ns}, {@code key}, {@code value},
 * {@code origin}), and every instance reads the stream from its start into a local copy, then
 * follows it. A stream keeps its records for every reader and across broker restarts (it is
 * durable and, on a cluster, replicated), so the last record of a key is its value for every
 * instance. It has no retention limit: settings change rarely, and a limit would drop the
 * oldest values. A {@code sync} record, published then awaited, tells this instance it has
 * read everything written before it: every {@link #load} and {@link #put} of this instance
 * sees its own writes.
 */
final class AmqpSettingsStore implements SettingsStore {

	private static final Logger logger = LoggerFactory.getLogger(AmqpSettingsStore.class);

	/** How long a write or first read waits for the stream to be read up to it. */
	static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

	private final AmqpChannels channels;

	private final String stream;

	private final String description;

	private final Map<String, Map<String, Setting>> namespaces = new ConcurrentHashMap<>();

	private final Map<String, CountDownLatch> syncs = new ConcurrentHashMap<>();

	/** Records applied: the version other instances' changes move. */
	private final AtomicLong applied = new AtomicLong();

	private @Nullable Channel channel;

	private long nextOffset = -1;

	private volatile boolean synced;

	AmqpSettingsStore(AmqpChannels channels, String stream, String driverName) {
		this.channels = channels;
		this.stream = stream;
		this.description = "RabbitMQ (driver '" + driverName + "', stream " + stream + ")";
	}

	@Override
	public Map<String, Setting> load(String namespace) {
		if (!this.synced) {
			sync();
			this.synced = true;
		}
		return Map.copyOf(this.namespaces.getOrDefault(namespace, Map.of()));
	}

	@Override
	public void put(String namespace, String key, @Nullable Setting setting) {
		Map<String, Object> headers = new HashMap<>();
		headers.put("op", (setting != null) ? "set" : "remove");
		headers.put("ns", namespace);
		headers.put("key", key);
		if (setting != null) {
			headers.put("value", setting.value());
			headers.put("origin", (setting.origin() == Setting.Origin.RUNTIME) ? "r" : "c");
		}
		publish(headers);
		sync();
	}

	/** Local: the records this instance has read; a broken reader is restarted here. */
	@Override
	public long version() {
		start();
		return this.applied.get();
	}

	@Override
	public String describe() {
		return this.description;
	}

	/** Waits until this instance has read every record published before the call. */
	void sync() {
		start();
		String id = UUID.randomUUID().toString();
		CountDownLatch seen = new CountDownLatch(1);
		this.syncs.put(id, seen);
		try {
			publish(Map.of("op", "sync", "id", id));
			if (!seen.await(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new FilaException("The settings stream " + this.stream + " was not read within " + SYNC_TIMEOUT);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FilaException("Interrupted while reading the settings stream " + this.stream, ex);
		}
		finally {
			this.syncs.remove(id);
		}
	}

	private void publish(Map<String, Object> headers) {
		AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(2).headers(headers).build();
		this.channels.with((channel) -> channel.publish(List.of(new AmqpChannels.Publish(this.stream, properties,
				new byte[0]))));
	}

	/** Declares the stream and reads it, or reads on after a broken channel from where it left off. */
	synchronized void start() {
		if (this.channel != null && this.channel.isOpen()) {
			return;
		}
		try {
			this.channels.with((confirm) -> confirm.channel()
				.queueDeclare(this.stream, true, false, false, Map.of("x-queue-type", "stream")));
			Channel reader = this.channels.open();
			reader.basicQos(1000);
			Map<String, Object> arguments = new HashMap<>();
			arguments.put("x-stream-offset", (this.nextOffset >= 0) ? (Object) this.nextOffset : "first");
			reader.basicConsume(this.stream, false, arguments, new Reader(reader));
			this.channel = reader;
		}
		catch (IOException | RuntimeException ex) {
			throw new FilaException("Could not read the settings stream " + this.stream + ": "
					+ AmqpChannels.describe(ex), ex);
		}
	}

	synchronized void close() {
		if (this.channel != null) {
			AmqpChannels.closeQuietly(this.channel);
		}
		this.channel = null;
	}

	private void apply(Map<String, Object> headers) {
		String op = String.valueOf(headers.get("op"));
		switch (op) {
			case "set", "remove" -> {
				String namespace = String.valueOf(headers.get("ns"));
				String key = String.valueOf(headers.get("key"));
				Map<String, Setting> settings = this.namespaces.computeIfAbsent(namespace,
						(name) -> new ConcurrentHashMap<>());
				if (op.equals("remove")) {
					settings.remove(key);
				}
				else {
					String value = String.valueOf(headers.get("value"));
					settings.put(key, "r".equals(String.valueOf(headers.get("origin"))) ? Setting.runtime(value)
							: Setting.configured(value));
				}
				this.applied.incrementAndGet();
			}
			case "sync" -> {
				CountDownLatch latch = this.syncs.get(String.valueOf(headers.get("id")));
				if (latch != null) {
					latch.countDown();
				}
			}
			default -> logger.debug("Ignoring settings record {} of {}", op, this.stream);
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
			if (headers.get("x-stream-offset") instanceof Number offset) {
				AmqpSettingsStore.this.nextOffset = offset.longValue() + 1;
			}
			try {
				apply(headers);
			}
			catch (RuntimeException ex) {
				logger.warn("Skipping an unreadable record of the settings stream {}", AmqpSettingsStore.this.stream,
						ex);
			}
			// Stream consumers ack only to grant credit; acking in batches is enough.
			if (++this.unacked >= 100) {
				getChannel().basicAck(envelope.getDeliveryTag(), true);
				this.unacked = 0;
			}
		}

		@Override
		public void handleShutdownSignal(String consumerTag, ShutdownSignalException signal) {
			if (!signal.isInitiatedByApplication()) {
				logger.warn("Lost the settings stream {} ({}); reading resumes when RabbitMQ is back",
						AmqpSettingsStore.this.stream, signal.getMessage());
			}
		}

	}

}
