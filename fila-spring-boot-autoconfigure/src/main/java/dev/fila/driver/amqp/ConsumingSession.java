package dev.fila.driver.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import org.jspecify.annotations.Nullable;

/**
 * What a session's {@link KeyConsumers} need of it; called under the session's lock but for
 * {@code received}.
 */
interface ConsumingSession {

	/** The lanes' generation: it changes whenever they open or close. */
	long generation();

	/** Whether the session takes deliveries: neither paused (a purge) nor closed. */
	boolean consuming();

	boolean closed();

	/** Whether the session hands nothing out until the keys known at the start are consumed. */
	void warming(boolean warming);

	/** Every key known at the start is consumed: the session may hand messages out. */
	void warmedUp();

	/** RabbitMQ is about to push a key consumed just now: its turn must wait for it. */
	void refillComing(String key, KeySource source);

	/** A delivery of one of the consumers; called on the connection's thread, without the lock. */
	void received(Channel channel, long generation, @Nullable KeySource source, Envelope delivery,
			AMQP.BasicProperties properties, byte[] body);

	/** Forgets the lanes and what they buffered, to reconnect. */
	void dropChannel();

}
