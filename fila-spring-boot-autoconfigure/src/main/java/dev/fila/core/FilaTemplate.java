package dev.fila.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends messages to queues and pulls them: enqueue (one or a batch), request-reply and
 * receive. Payloads are converted with {@link FilaPayloadConverter}: {@code byte[]} as is,
 * {@code String} as UTF-8, anything else as JSON. Each message is scheduled by the queue's
 * enqueue policy ({@code on-enqueue} hook). The auto-configured implementation is
 * {@code dev.fila.client.DefaultFilaTemplate}.
 * <p>
 * What every method throws: a {@link FilaException} when the broker fails (unreachable, a
 * timeout, an error reply), with the driver's exception as its cause; its subclasses
 * {@link MessageTooLargeException} and {@link FilaTimeoutException} where a method says so;
 * {@link IllegalArgumentException} for a bad queue name or header.
 */
public interface FilaTemplate {

	/** Reply queues are named this plus the correlation id. */
	String REPLY_QUEUE_PREFIX = "fila-reply-";

	/**
	 * Enqueues one message without headers.
	 * @param queue the queue name
	 * @param payload the payload
	 * @return the message id
	 */
	String enqueue(String queue, Object payload);

	/**
	 * Enqueues one message.
	 * @param queue the queue name
	 * @param headers the headers
	 * @param payload the payload
	 * @return the message id
	 */
	String enqueue(String queue, Map<String, String> headers, Object payload);

	/**
	 * Enqueues one message that becomes deliverable after {@code delay}, then takes its fair
	 * turn like any other. Meanwhile it counts as delayed in the queue's stats and no thread
	 * waits for it. On the amqp driver the delay is rounded up to two significant digits (see
	 * docs/drivers/amqp.md); no driver delivers it earlier.
	 * @param queue the queue name
	 * @param headers the headers
	 * @param payload the payload
	 * @param delay from zero to {@link OutboundMessage#MAX_DELAY}
	 * @return the message id
	 * @throws IllegalArgumentException when the delay is {@code null}, negative or too long
	 */
	String enqueue(String queue, Map<String, String> headers, Object payload, Duration delay);

	/**
	 * Enqueues a batch in one round trip where the driver allows. Elements that are
	 * {@link OutboundMessage}s carry their headers and delay; any other element is a payload.
	 * @param queue the queue name
	 * @param messages payloads or {@link OutboundMessage}s
	 * @return the message ids, in order
	 * @throws MessageTooLargeException when a message breaks the driver's limits; nothing of
	 * the batch is sent then
	 */
	List<String> enqueueAll(String queue, List<?> messages);

	/**
	 * Sends a request and waits for its reply over a temporary reply queue on the request
	 * queue's driver. The request carries {@code reply_to} and {@code correlation_id} headers;
	 * the reply queue is deleted afterwards.
	 * @param queue the request queue
	 * @param headers extra request headers
	 * @param payload the request payload
	 * @param replyType the type to convert the reply to
	 * @param timeout how long to wait for the reply, positive
	 * @param <T> the reply type
	 * @return the reply
	 * @throws FilaTimeoutException when no reply arrives within {@code timeout}
	 * @throws IllegalArgumentException when {@code timeout} is {@code null}, zero or negative
	 * (nothing is sent)
	 */
	<T> T request(String queue, Map<String, String> headers, Object payload, Class<T> replyType,
			Duration timeout);

	/**
	 * Pulls one message, leased for the queue's visibility timeout: call
	 * {@link FilaDelivery#ack()} or {@link FilaDelivery#nack(String)} before it runs out.
	 * @param queue the queue (or dead-letter queue) name
	 * @param timeout how long to wait for a message
	 * @return the delivery, or empty when none arrived in time
	 */
	Optional<FilaDelivery> receive(String queue, Duration timeout);

	/** @return the payload converter */
	FilaPayloadConverter converter();

	/**
	 * Sends a reply to the {@code reply_to} queue of a request, on the driver of the queue the
	 * request came from. A reply queue that no longer exists (its requester gave up) is not
	 * re-created, and a {@code reply_to} that names a dead-letter queue or no valid queue gets
	 * no reply: the header comes from the producer, and must not let it write into a queue it
	 * could not enqueue to. Either is logged at WARN and the request counts as handled.
	 * @param request the request
	 * @param payload the reply payload
	 * @return whether the reply was sent
	 */
	boolean reply(FilaMessage request, Object payload);

}
