package dev.fila.driver.amqp;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.rabbitmq.client.AMQP;

import dev.fila.scheduling.Scheduling;

/**
 * How a Fila message is carried in an AMQP message: the payload as the body, user headers as
 * AMQP headers, and Fila's own fields as {@code x-fila-*} headers. The message id is the AMQP
 * {@code message-id}. {@code x-fila-attempts} counts the deliveries that ended before this
 * copy was published (a retry publishes a new copy), so a delivery's attempt number is that
 * count plus one, plus one more when RabbitMQ redelivers it after a consumer's channel died.
 */
final class AmqpMessages {

	static final String KEY = "x-fila-key";

	static final String WEIGHT = "x-fila-weight";

	static final String THROTTLE_KEYS = "x-fila-throttle";

	static final String ATTEMPTS = "x-fila-attempts";

	static final String ENQUEUED_AT = "x-fila-enqueued-at";

	/** The priority level, when above 0. */
	static final String PRIORITY = "x-fila-priority";

	private static final String INTERNAL_PREFIX = "x-fila-";

	private AmqpMessages() {
	}

	/** A Fila message as it travels: what a retry, a dead-lettering or a lease expiry republishes. */
	record Envelope(String id, Map<String, String> headers, byte[] payload, Scheduling scheduling, int priorAttempts,
			long enqueuedAt) {

		Envelope withPriorAttempts(int attempts) {
			return new Envelope(this.id, this.headers, this.payload, this.scheduling, attempts, this.enqueuedAt);
		}

	}

	static AMQP.BasicProperties properties(Envelope envelope) {
		Map<String, Object> headers = new HashMap<>(envelope.headers().size() + 5);
		headers.putAll(envelope.headers());
		Scheduling scheduling = envelope.scheduling();
		headers.put(KEY, scheduling.fairnessKey());
		headers.put(WEIGHT, scheduling.weight());
		if (!scheduling.throttleKeys().isEmpty()) {
			headers.put(THROTTLE_KEYS, new ArrayList<Object>(scheduling.throttleKeys()));
		}
		if (scheduling.priority() > 0) {
			headers.put(PRIORITY, scheduling.priority());
		}
		headers.put(ATTEMPTS, envelope.priorAttempts());
		headers.put(ENQUEUED_AT, envelope.enqueuedAt());
		// RabbitMQ's own priority orders a priority queue (priority-queues); other queues ignore it.
		return new AMQP.BasicProperties.Builder().messageId(envelope.id())
			.deliveryMode(2)
			.priority((scheduling.priority() > 0) ? scheduling.priority() : null)
			.headers(headers)
			.build();
	}

	static Envelope envelope(AMQP.BasicProperties properties, byte[] body) {
		Map<String, Object> raw = (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
		Map<String, String> headers = new LinkedHashMap<>();
		for (Map.Entry<String, Object> header : raw.entrySet()) {
			String name = header.getKey();
			if (!name.startsWith(INTERNAL_PREFIX) && !isBrokerHeader(name) && header.getValue() != null) {
				headers.put(name, header.getValue().toString());
			}
		}
		String key = stringOf(raw.get(KEY), Scheduling.DEFAULT_KEY);
		double weight = (raw.get(WEIGHT) instanceof Number number) ? number.doubleValue() : 1;
		List<String> throttleKeys = new ArrayList<>();
		if (raw.get(THROTTLE_KEYS) instanceof List<?> list) {
			for (Object item : list) {
				throttleKeys.add(item.toString());
			}
		}
		int priority = (raw.get(PRIORITY) instanceof Number number) ? number.intValue() : 0;
		int attempts = (raw.get(ATTEMPTS) instanceof Number number) ? number.intValue() : 0;
		long enqueuedAt = (raw.get(ENQUEUED_AT) instanceof Number number) ? number.longValue()
				: System.currentTimeMillis();
		String id = (properties.getMessageId() != null) ? properties.getMessageId() : "unknown";
		return new Envelope(id, headers, body, new Scheduling(key, weight, throttleKeys, priority), attempts,
				enqueuedAt);
	}

	static Instant instant(long epochMillis) {
		return Instant.ofEpochMilli(epochMillis);
	}

	/** Headers RabbitMQ adds on dead-lettering and redelivery, not part of the user's message. */
	private static boolean isBrokerHeader(String name) {
		return name.equals("x-death") || name.startsWith("x-first-death-") || name.startsWith("x-last-death-")
				|| name.equals("x-delivery-count");
	}

	private static String stringOf(Object value, String fallback) {
		return (value != null) ? value.toString() : fallback;
	}

}
