package dev.fila.driver.amqp;

import java.io.IOException;

import com.rabbitmq.client.Channel;
import org.jspecify.annotations.Nullable;

import dev.fila.driver.LeasedMessage;

/** A message RabbitMQ delivered to a {@link QueueSession}, buffered or leased. */
final class Delivery {

	final Channel channel;

	final long generation;

	final long tag;

	final AmqpMessages.Envelope envelope;

	final int attempts;

	final KeyBuffer key;

	/** The key or shard queue it came from; null for the retry queue. */
	final @Nullable KeySource source;

	String token = "";

	/** Whether it was acked or rejected (counted out of its source's unacked). */
	private volatile boolean done;

	Delivery(Channel channel, long generation, long tag, AmqpMessages.Envelope envelope, int attempts, KeyBuffer key,
			@Nullable KeySource source) {
		this.source = source;
		this.channel = channel;
		this.generation = generation;
		this.tag = tag;
		this.envelope = envelope;
		this.attempts = attempts;
		this.key = key;
	}

	LeasedMessage toLeased(String queue) {
		AmqpMessages.Envelope e = this.envelope;
		return new LeasedMessage(e.id(), queue, e.headers(), e.payload(), e.scheduling().fairnessKey(),
				e.scheduling().weight(), e.scheduling().throttleKeys(), this.attempts,
				AmqpMessages.instant(e.enqueuedAt()), this.token, e.scheduling().priority());
	}

	/** Gives the message back to RabbitMQ, which requeues it. */
	void reject() {
		AmqpChannels.rejectQuietly(this.channel, this.tag);
		done();
	}

	/** Acks on the channel it came from; false when that channel is gone. */
	boolean ack() {
		try {
			if (!this.channel.isOpen()) {
				return false;
			}
			this.channel.basicAck(this.tag, false);
			done();
			return true;
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	/** No longer unacked in RabbitMQ: RabbitMQ may push a replacement if the key has more. */
	private void done() {
		if (this.source != null && !this.done) {
			this.done = true;
			this.source.unacked.decrementAndGet();
		}
	}

}
