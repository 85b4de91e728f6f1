package dev.fila.driver.amqp;

import java.util.Map;
import java.util.UUID;

import com.rabbitmq.client.AMQP;

/**
 * The records of the {@link KeyLog}: an empty message whose headers say what happened (an
 * operation, a queue and a key, a delay or an id). Each record gets a message id of its own.
 */
final class KeyLogRecords {

	static final String OP = "op";

	static final String QUEUE = "q";

	static final String KEY = "k";

	static final String DELAY = "d";

	static final String SYNC = "s";

	static final String ID = "i";

	private KeyLogRecords() {
	}

	static AmqpChannels.Publish queueRecord(String stream, String queue) {
		return record(stream, Map.of(OP, "queue", QUEUE, queue));
	}

	static AmqpChannels.Publish keyRecord(String stream, String queue, String key) {
		return record(stream, Map.of(OP, "key", QUEUE, queue, KEY, key));
	}

	static AmqpChannels.Publish delayRecord(String stream, String queue, long delay) {
		return record(stream, Map.of(OP, "delay", QUEUE, queue, DELAY, delay));
	}

	static AmqpChannels.Publish expiringRecord(String stream, String queue, String key, String id) {
		return record(stream, Map.of(OP, "expiring", QUEUE, queue, KEY, key, ID, id));
	}

	/** Closes an expiry: {@code expired} when the queue was deleted, {@code kept} otherwise. */
	static AmqpChannels.Publish expiryOutcome(String stream, String queue, String key, String id, boolean expired) {
		return record(stream, Map.of(OP, expired ? "expired" : "kept", QUEUE, queue, KEY, key, ID, id));
	}

	static AmqpChannels.Publish dropRecord(String stream, String queue) {
		return record(stream, Map.of(OP, "drop", QUEUE, queue));
	}

	/** A marker: a reader that reaches it has read every record published before it. */
	static AmqpChannels.Publish syncRecord(String stream, String id) {
		return record(stream, Map.of(OP, "sync", SYNC, id));
	}

	private static AmqpChannels.Publish record(String stream, Map<String, Object> headers) {
		AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId(UUID.randomUUID().toString())
			.deliveryMode(2)
			.headers(headers)
			.build();
		return new AmqpChannels.Publish(stream, properties, new byte[0]);
	}

}
