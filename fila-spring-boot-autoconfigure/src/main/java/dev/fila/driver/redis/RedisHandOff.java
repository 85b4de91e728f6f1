package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.driver.LeasedMessage;

/**
 * The hand-off, on one Redis (not Cluster): a fetch that finds nothing pending registers this
 * instance's channel with its queue, and the next enqueue leases for it and publishes the leases
 * there (see enqueue.lua), so a waiting consumer gets a message without a fetch after the
 * notification: one round trip instead of two.
 * <p>
 * Leases heard here go to a fetch of their queue waiting in this instance ({@link QueueSignals});
 * when none is (it returned meanwhile, or the consumer stopped) they are released at once, on a
 * thread of their own, never the subscription's. A hand-off that never arrives (the subscription
 * dropped after the enqueue checked it) is a lease nobody holds: it expires and the message is
 * delivered again, as after a consumer that crashed.
 */
final class RedisHandOff implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RedisHandOff.class);

	/**
	 * The longest a registration lasts: more than a fetch waits between two script calls, so that
	 * a fetch stays registered while it waits. It never outlasts the fetch's own wait.
	 */
	static final long REGISTRATION_MILLIS = 2_000;

	/**
	 * The most a hand-off carries, in payload and header bytes (enqueue.lua's
	 * {@code HAND_OFF_MAX_BYTES}): it stops after the message that reaches this, and a message
	 * over it is never handed off.
	 */
	static final int MAX_BYTES = 1024 * 1024;

	private final byte[] channel;

	private final QueueSignals signals;

	private final LeasedMessages messages;

	private final Predicate<LeasedMessage> release;

	private final ExecutorService releaser = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "fila-redis-hand-off-release");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * @param keyPrefix the driver's key prefix: the channel is {@code <prefix>:handoff:<random id>}
	 * @param signals where the fetches of this instance wait
	 * @param messages reads the leased messages
	 * @param release gives a leased message back to its queue; false when its lease was lost
	 */
	RedisHandOff(String keyPrefix, QueueSignals signals, LeasedMessages messages, Predicate<LeasedMessage> release) {
		this.channel = RedisValues.bytes(keyPrefix + ":handoff:" + UUID.randomUUID());
		this.signals = signals;
		this.messages = messages;
		this.release = release;
		signals.handOffs(this.channel, this::received, this::giveBack);
	}

	/** @return the channel hand-offs to this instance are published on */
	String channel() {
		return new String(this.channel, StandardCharsets.UTF_8);
	}

	/** @return the channel fetches register, or an empty one until the subscription stands */
	byte[] channelToRegister() {
		return this.signals.subscribed() ? this.channel : new byte[0];
	}

	/** A hand-off published by an enqueue: queue name, count, then ten fields per message. */
	void received(byte[] body) {
		String queue = null;
		List<LeasedMessage> leased;
		try {
			Netstrings in = new Netstrings(body);
			queue = in.nextString();
			int count = Integer.parseInt(in.nextString());
			// Each message is ten fields of at least two bytes ("0:"): a count the body cannot
			// hold is garbage, and must not size an allocation.
			if (count < 0 || count > in.remaining() / 20) {
				throw new IllegalArgumentException("Hand-off of " + count + " messages in " + body.length + " bytes");
			}
			leased = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				List<byte[]> fields = new ArrayList<>(10);
				for (int f = 0; f < 10; f++) {
					fields.add(in.next());
				}
				leased.add(this.messages.read(queue, fields));
			}
		}
		catch (RuntimeException ex) {
			// Only a script of another version could publish what this one cannot read: the leases
			// expire and the messages come again.
			logger.warn("Could not read a hand-off of queue '{}'; its messages will be delivered again when their "
					+ "leases expire", queue, ex);
			return;
		}
		if (!this.signals.handOff(queue, leased)) {
			giveBack(leased);
		}
	}

	private void giveBack(List<LeasedMessage> leased) {
		try {
			this.releaser.execute(() -> {
				for (LeasedMessage message : leased) {
					try {
						this.release.test(message);
					}
					catch (RuntimeException ex) {
						logger.warn("Could not give back message {} handed off on queue '{}'; it will be delivered "
								+ "again when its lease expires: {}", message.id(), message.queue(), ex.toString());
					}
				}
			});
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Driver closed: {} message(s) handed off on queue '{}' come back when their leases expire",
					leased.size(), leased.get(0).queue());
		}
	}

	@Override
	public void close() {
		this.releaser.shutdown();
	}

	/** Reads {@code <length>:<bytes>} fields one after another. */
	private static final class Netstrings {

		private final byte[] body;

		private int position;

		Netstrings(byte[] body) {
			this.body = body;
		}

		byte[] next() {
			int length = 0;
			int digits = 0;
			while (this.body[this.position] != ':') {
				int digit = this.body[this.position++] - '0';
				if (digit < 0 || digit > 9 || ++digits > 10) {
					throw new IllegalArgumentException("Malformed hand-off at byte " + this.position);
				}
				length = Math.addExact(Math.multiplyExact(length, 10), digit);
			}
			this.position++;
			if (length > this.body.length - this.position) {
				throw new IllegalArgumentException("Truncated hand-off");
			}
			byte[] field = Arrays.copyOfRange(this.body, this.position, this.position + length);
			this.position += length;
			return field;
		}

		String nextString() {
			return new String(next(), StandardCharsets.UTF_8);
		}

		int remaining() {
			return this.body.length - this.position;
		}

	}

}
