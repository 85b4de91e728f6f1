package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import org.jspecify.annotations.Nullable;

/**
 * The RabbitMQ side of shared throttles: token queues, one per throttle key and burst, each
 * message a permit. Used by one thread only (the throttles' worker), on a channel of its own that
 * is opened again after a failure. A token queue is durable (RabbitMQ 4 drops transient
 * non-exclusive queues), its tokens are not: a broker restart loses permits, never adds any.
 * With the driver's {@code quorum} option it is a quorum queue, so that a throttle outlives a
 * cluster node.
 */
final class TokenQueues {

	/** A token queue nobody declared nor read from for this long is deleted by RabbitMQ. */
	static final int EXPIRES_MILLIS = 10 * 60 * 1000;

	private static final AMQP.BasicProperties TOKEN = new AMQP.BasicProperties.Builder().deliveryMode(1).build();

	private static final byte[] EMPTY = new byte[0];

	private final AmqpChannels channels;

	private final Map<String, Object> queueType;

	private @Nullable Channel channel;

	TokenQueues(AmqpChannels channels, boolean quorum) {
		this.channels = channels;
		this.queueType = quorum ? Map.of("x-queue-type", "quorum") : Map.of();
	}

	/** @return the arguments that choose the queue type, empty for classic queues */
	Map<String, Object> queueType() {
		return this.queueType;
	}

	/**
	 * Counts the ready tokens of a token queue without declaring it.
	 * @return the ready tokens, or -1 when the queue does not exist
	 */
	long readyIfExists(String queue) throws IOException {
		try {
			return channel().queueDeclarePassive(queue).getMessageCount();
		}
		catch (IOException ex) {
			if (!AmqpChannels.isNotFound(ex)) {
				throw ex;
			}
			closeChannel();
			return -1;
		}
	}

	/**
	 * Declares a token queue (or refreshes its expiry) and counts its ready tokens.
	 * @return the ready tokens
	 */
	long declare(String queue, long burst) throws IOException {
		Map<String, Object> arguments = new HashMap<>(this.queueType);
		arguments.put("x-max-length", burst);
		arguments.put("x-expires", EXPIRES_MILLIS);
		return channel().queueDeclare(queue, true, false, false, arguments).getMessageCount();
	}

	/** Publishes {@code count} tokens; a token lost on the way is a permit less, never one more. */
	void publish(String queue, long count) throws IOException {
		Channel channel = channel();
		for (long i = 0; i < count; i++) {
			channel.basicPublish("", queue, TOKEN, EMPTY);
		}
	}

	/**
	 * Takes up to {@code max} tokens, which are spent from then on, whatever happens next.
	 * @return the tokens taken, possibly none
	 */
	int take(String queue, int max) throws IOException {
		int taken = 0;
		try {
			while (taken < max) {
				GetResponse response = channel().basicGet(queue, true);
				if (response == null) {
					break;
				}
				taken++;
			}
		}
		catch (IOException ex) {
			if (!AmqpChannels.isNotFound(ex)) {
				throw ex;
			}
			// The leader has not created it yet: only the leader does, full, as a new bucket is.
			closeChannel();
		}
		return taken;
	}

	private Channel channel() throws IOException {
		Channel channel = this.channel;
		if (channel == null || !channel.isOpen()) {
			channel = this.channels.open();
			this.channel = channel;
		}
		return channel;
	}

	/** Drops the channel, after a failure or at close; the next call opens another. */
	void closeChannel() {
		Channel channel = this.channel;
		this.channel = null;
		if (channel != null) {
			AmqpChannels.closeQuietly(channel);
		}
	}

}
