package dev.fila.driver.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import org.jspecify.annotations.Nullable;

/**
 * A consumer on one of a session's {@link ConsumerLanes lanes}, of a key queue, a shard or the
 * retry queue: hands what RabbitMQ pushes to the session, and tells the {@link KeyConsumers}
 * when RabbitMQ cancels it. Called on the connection's thread.
 */
final class LaneConsumer extends DefaultConsumer {

	private final KeyConsumers consumers;

	private final ConsumingSession session;

	private final long generation;

	/** The key or shard queue it consumes; null for the retry queue. */
	private final @Nullable KeySource source;

	LaneConsumer(Channel channel, KeyConsumers consumers, ConsumingSession session, long generation,
			@Nullable KeySource source) {
		super(channel);
		this.consumers = consumers;
		this.session = session;
		this.generation = generation;
		this.source = source;
	}

	@Override
	public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
		this.session.received(getChannel(), this.generation, this.source, envelope, properties, body);
	}

	@Override
	public void handleCancel(String consumerTag) {
		// RabbitMQ cancels a consumer when its queue is deleted.
		this.consumers.consumerCancelled(this.generation, consumerTag);
	}

}
