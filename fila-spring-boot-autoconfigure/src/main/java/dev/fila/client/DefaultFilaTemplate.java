package dev.fila.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.ClassUtils;

import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaException;
import dev.fila.core.FilaHeaders;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.core.FilaTimeoutException;
import dev.fila.core.MessageTooLargeException;
import dev.fila.core.OutboundMessage;
import dev.fila.core.QueueNotFoundException;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageIds;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.observation.DefaultFilaEnqueueObservationConvention;
import dev.fila.observation.FilaEnqueueContext;
import dev.fila.observation.FilaEnqueueObservationConvention;
import dev.fila.observation.FilaObservationDocumentation;
import dev.fila.policy.EnqueueContext;
import dev.fila.queue.FailureLog;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueNames;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

/**
 * Sends messages to queues and pulls them: enqueue (one or a batch), request-reply and
 * receive. Payloads are converted with {@link FilaPayloadConverter}: {@code byte[]} as is,
 * {@code String} as UTF-8, anything else as JSON. Each message is scheduled by the queue's
 * enqueue policy ({@code on-enqueue} hook).
 * <p>
 * Every send is a {@code fila.enqueue} observation when an {@link ObservationRegistry} is
 * set: with tracing, the trace context travels to the consumer in the message headers.
 */
public class DefaultFilaTemplate implements FilaTemplate {

	private static final Logger logger = LoggerFactory.getLogger(DefaultFilaTemplate.class);

	private static final Duration REPLY_LEASE = Duration.ofSeconds(30);

	private static final Duration POLL_SLICE = Duration.ofMillis(200);

	/**
	 * How much longer than its request's timeout a reply queue lives should its requester die
	 * before deleting it; then any instance of a driver that sweeps (Redis) deletes it.
	 */
	static final Duration REPLY_QUEUE_GRACE = Duration.ofMinutes(1);

	/**
	 * The longest wait a timeout stands for (292 years): longer ones, such as
	 * {@code ChronoUnit.FOREVER}, would overflow {@link Duration#toNanos()}.
	 */
	private static final Duration MAX_WAIT = Duration.ofNanos(Long.MAX_VALUE);

	private boolean transactional;

	/** Dead letters of deliveries pulled with {@link #receive}, at WARN and rate-limited. */
	private final FailureLog pulledFailures = FailureLog.forPulledDeliveries();

	private final FilaQueues queues;

	private final FilaPayloadConverter converter;

	private FilaMetricsRecorder metricsRecorder = FilaMetricsRecorder.NONE;

	/** Recorders bound per queue, so that an enqueue only increments; temporary reply queues are not bound. */
	private final Map<String, BoundQueue> boundQueues = new ConcurrentHashMap<>();

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private @Nullable FilaEnqueueObservationConvention observationConvention;

	/** This template's own default convention: it keeps the last queue's tags. */
	private final DefaultFilaEnqueueObservationConvention defaultObservationConvention =
			new DefaultFilaEnqueueObservationConvention();

	public DefaultFilaTemplate(FilaQueues queues, FilaPayloadConverter converter) {
		this.queues = queues;
		this.converter = converter;
	}

	/**
	 * @param metricsRecorder told about enqueues and pulled deliveries
	 */
	public void setMetricsRecorder(FilaMetricsRecorder metricsRecorder) {
		this.metricsRecorder = metricsRecorder;
		this.boundQueues.clear();
	}

	/**
	 * With {@code true}, an enqueue made inside an active Spring transaction is sent after the
	 * transaction commits, and dropped when it rolls back; the call returns the message ids at
	 * once. Needs spring-tx on the classpath.
	 * @param transactional whether to wait for the transaction's commit
	 * @throws IllegalStateException when spring-tx is missing
	 */
	public void setTransactional(boolean transactional) {
		if (transactional && !ClassUtils.isPresent(
				"org.springframework.transaction.support.TransactionSynchronizationManager", getClass().getClassLoader())) {
			throw new IllegalStateException(
					"fila.template.transactional=true needs spring-tx on the classpath (org.springframework:spring-tx, "
							+ "brought by spring-boot-starter-jdbc, -data-jpa, -data-redis or -amqp)");
		}
		this.transactional = transactional;
	}

	/**
	 * @param observationRegistry where {@code fila.enqueue} observations go; none by default
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	/**
	 * @param observationConvention a convention replacing the default one, or {@code null}
	 */
	public void setObservationConvention(@Nullable FilaEnqueueObservationConvention observationConvention) {
		this.observationConvention = observationConvention;
	}

	/**
	 * Enqueues one message without headers.
	 * @param queue the queue name
	 * @param payload the payload
	 * @return the message id
	 */
	@Override
	public String enqueue(String queue, Object payload) {
		return enqueue(queue, Map.of(), payload);
	}

	/**
	 * Enqueues one message.
	 * @param queue the queue name
	 * @param headers the headers
	 * @param payload the payload
	 * @return the message id
	 */
	@Override
	public String enqueue(String queue, Map<String, String> headers, Object payload) {
		OutboundMessage.checkHeaders(headers, queue);
		QueueBinding binding = writableBinding(queue);
		return send(binding, List.of(new OutboundMessage(headers, payload))).get(0);
	}

	/**
	 * Enqueues one message deliverable after a delay.
	 * @param queue the queue name
	 * @param headers the headers
	 * @param payload the payload
	 * @param delay from zero to {@link OutboundMessage#MAX_DELAY}
	 * @return the message id
	 */
	@Override
	public String enqueue(String queue, Map<String, String> headers, Object payload, Duration delay) {
		OutboundMessage.checkHeaders(headers, queue);
		OutboundMessage.checkDelay(delay);
		QueueBinding binding = writableBinding(queue);
		return send(binding, List.of(new OutboundMessage(headers, payload, delay))).get(0);
	}

	/**
	 * Enqueues a batch in one round trip where the driver allows. Elements that are
	 * {@link OutboundMessage}s carry their headers and delay; any other element is a payload.
	 * @param queue the queue name
	 * @param messages payloads or {@link OutboundMessage}s
	 * @return the message ids, in order
	 * @throws MessageTooLargeException when a message breaks the driver's limits; nothing of
	 * the batch is sent then
	 */
	@Override
	public List<String> enqueueAll(String queue, List<?> messages) {
		QueueBinding binding = writableBinding(queue);
		List<OutboundMessage> batch = new ArrayList<>(messages.size());
		for (Object message : messages) {
			batch.add((message instanceof OutboundMessage outbound) ? outbound : OutboundMessage.of(message));
		}
		return batch.isEmpty() ? List.of() : send(binding, batch);
	}

	/**
	 * Sends a request and waits for its reply over a temporary reply queue on the request
	 * queue's driver. The request carries {@code reply_to} and {@code correlation_id} headers;
	 * the reply queue is deleted afterwards.
	 * @param queue the request queue
	 * @param headers extra request headers
	 * @param payload the request payload
	 * @param replyType the type to convert the reply to
	 * @param timeout how long to wait for the reply
	 * @param <T> the reply type
	 * @return the reply
	 * @throws FilaTimeoutException when no reply arrives within {@code timeout}
	 * @throws IllegalArgumentException when the timeout is {@code null}, zero or negative
	 */
	@Override
	public <T> T request(String queue, Map<String, String> headers, Object payload, Class<T> replyType,
			Duration timeout) {
		OutboundMessage.checkHeaders(headers, queue);
		if (timeout == null || timeout.isNegative() || timeout.isZero()) {
			// Refused before sending: a consumer would run a request whose reply nobody waits for.
			throw new IllegalArgumentException(
					"The timeout of a request to queue '" + queue + "' must be positive, was " + timeout);
		}
		Duration wait = (timeout.compareTo(MAX_WAIT) > 0) ? MAX_WAIT : timeout;
		QueueBinding requestBinding = writableBinding(queue);
		String correlationId = MessageIds.next();
		String replyQueue = REPLY_QUEUE_PREFIX + correlationId;
		FilaDriver driver = requestBinding.driver();
		driver.createQueue(new QueueSpec(replyQueue, REPLY_LEASE, 1, false, wait.plus(REPLY_QUEUE_GRACE)));
		try {
			Map<String, String> requestHeaders = new HashMap<>(headers);
			requestHeaders.put(FilaHeaders.REPLY_TO, replyQueue);
			requestHeaders.put(FilaHeaders.CORRELATION_ID, correlationId);
			// Never deferred to a transaction's commit: the caller waits for the reply now.
			send(requestBinding, List.of(new OutboundMessage(requestHeaders, payload)), null);
			long deadline = System.nanoTime() + wait.toNanos();
			while (true) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					throw new FilaTimeoutException("No reply from queue '" + queue + "' within " + timeout
							+ " (correlation id " + correlationId + ")");
				}
				for (LeasedMessage reply : fetch(driver, replyQueue, Duration.ofNanos(remaining))) {
					driver.ack(reply);
					if (correlationId.equals(reply.headers().get(FilaHeaders.CORRELATION_ID))) {
						return this.converter.fromBytes(reply.payload(), replyType);
					}
				}
			}
		}
		finally {
			driver.deleteQueue(replyQueue);
		}
	}

	@Override
	public boolean reply(FilaMessage request, Object payload) {
		if (request.headers().get(FilaHeaders.REPLY_TO) == null) {
			return false;
		}
		return reply(request, this.queues.binding(request.queue()).driver(), payload);
	}

	/**
	 * Sends a reply as {@link #reply(FilaMessage, Object)} does, on a given driver.
	 * @param request the request
	 * @param driver the driver the request came from
	 * @param payload the reply payload
	 * @return whether the reply was sent
	 */
	public boolean reply(FilaMessage request, FilaDriver driver, Object payload) {
		String replyTo = request.headers().get(FilaHeaders.REPLY_TO);
		if (replyTo == null) {
			return false;
		}
		String problem = QueueNames.problem(QueueSpec.sourceQueueOf(replyTo));
		if (problem != null || QueueSpec.isDeadLetterQueue(replyTo)) {
			// A header anyone can set: never a way into names outside the queue name rules.
			logger.warn("Dropped reply to message {} of queue '{}': its reply_to '{}' is not a reply queue name ({})",
					request.id(), request.queue(), replyTo, (problem != null) ? problem : "a dead-letter queue");
			return false;
		}
		Map<String, String> headers = new HashMap<>();
		String correlationId = request.headers().get(FilaHeaders.CORRELATION_ID);
		if (correlationId != null) {
			headers.put(FilaHeaders.CORRELATION_ID, correlationId);
		}
		byte[] bytes = this.converter.toBytes(payload);
		try {
			send(driver, replyTo, 1, (propagated) -> List.of(new OutgoingMessage(merge(headers, propagated), bytes,
					Scheduling.DEFAULT)));
			return true;
		}
		catch (QueueNotFoundException ex) {
			logger.warn("Dropped reply to message {} of queue '{}': reply queue '{}' does not exist (the requester "
					+ "gave up, or never created it)", request.id(), request.queue(), replyTo);
			return false;
		}
	}

	/**
	 * Pulls one message, leased for the queue's visibility timeout: call
	 * {@link FilaDelivery#ack()} or {@link FilaDelivery#nack(String)} before it runs out.
	 * @param queue the queue (or dead-letter queue) name
	 * @param timeout how long to wait for a message
	 * @return the delivery, or empty when none arrived in time
	 */
	@Override
	public Optional<FilaDelivery> receive(String queue, Duration timeout) {
		QueueBinding binding = this.queues.binding(queue);
		List<LeasedMessage> fetched = fetch(binding.driver(), binding.name(), timeout);
		if (fetched.isEmpty()) {
			return Optional.empty();
		}
		LeasedMessage message = fetched.get(0);
		this.metricsRecorder.delivered(FilaMetricsRecorder.PULL_CONSUMER, binding.driver().name(), message);
		return Optional.of(new Delivery(message, binding, this.metricsRecorder, this.pulledFailures));
	}

	/** @return the payload converter */
	@Override
	public FilaPayloadConverter converter() {
		return this.converter;
	}

	private List<String> send(QueueBinding binding, List<OutboundMessage> messages) {
		if (this.transactional && TransactionalSends.inTransaction()) {
			return sendAfterCommit(binding, messages);
		}
		return send(binding, messages, null);
	}

	/**
	 * Inside a transaction with {@code fila.template.transactional}: the payloads are converted
	 * and the ids chosen now, the messages sent when the transaction commits (with their hooks
	 * run then), nothing on rollback.
	 */
	private List<String> sendAfterCommit(QueueBinding binding, List<OutboundMessage> messages) {
		List<String> ids = new ArrayList<>(messages.size());
		List<OutboundMessage> converted = new ArrayList<>(messages.size());
		for (OutboundMessage message : messages) {
			ids.add(MessageIds.next());
			converted.add(new OutboundMessage(message.headers(), this.converter.toBytes(message.payload()),
					message.delay()));
		}
		TransactionalSends.afterCommit(() -> send(binding, converted, ids));
		return ids;
	}

	private List<String> send(QueueBinding binding, List<OutboundMessage> messages, @Nullable List<String> ids) {
		return send(binding.driver(), binding.name(), messages.size(), (propagated) -> {
			List<OutgoingMessage> batch = new ArrayList<>(messages.size());
			for (int i = 0; i < messages.size(); i++) {
				OutboundMessage message = messages.get(i);
				batch.add(outgoing(binding, merge(message.headers(), propagated), message.payload(),
						(ids != null) ? ids.get(i) : MessageIds.next(), message.delay()));
			}
			return batch;
		});
	}

	/**
	 * Sends a batch inside a {@code fila.enqueue} observation.
	 * @param batch builds the messages, given the headers the observation propagates
	 */
	private List<String> send(FilaDriver driver, String queue, int count,
			Function<Map<String, String>, List<OutgoingMessage>> batch) {
		FilaEnqueueContext context = new FilaEnqueueContext(queue, driver.name(), count);
		Observation observation = FilaObservationDocumentation.ENQUEUE.observation(this.observationConvention,
				this.defaultObservationConvention, () -> context, this.observationRegistry);
		List<String> ids = observation.observe(() -> {
			List<String> sent = driver.enqueue(queue, batch.apply(context.getPropagatedHeaders()));
			context.setMessageIds(sent);
			return sent;
		});
		recordEnqueued(queue, driver.name(), count);
		return (ids != null) ? ids : List.of();
	}

	private void recordEnqueued(String queue, String driver, int count) {
		if (queue.startsWith(REPLY_QUEUE_PREFIX)) {
			this.metricsRecorder.enqueued(queue, driver, count);
			return;
		}
		BoundQueue bound = this.boundQueues.get(queue);
		if (bound == null || !bound.driver().equals(driver)) {
			bound = new BoundQueue(driver, this.metricsRecorder.bindQueue(queue, driver));
			this.boundQueues.put(queue, bound);
		}
		bound.recorder().enqueued(count);
	}

	private static Map<String, String> merge(Map<String, String> headers, Map<String, String> propagated) {
		if (propagated.isEmpty()) {
			return headers;
		}
		Map<String, String> merged = new HashMap<>(headers);
		merged.putAll(propagated);
		return merged;
	}

	private OutgoingMessage outgoing(QueueBinding binding, Map<String, String> headers, Object payload, String id,
			Duration delay) {
		byte[] bytes = this.converter.toBytes(payload);
		Scheduling scheduling = binding.enqueuePolicy()
			.schedule(new EnqueueContext(binding.name(), headers, bytes.length));
		return new OutgoingMessage(id, headers, bytes, scheduling, delay);
	}

	private QueueBinding writableBinding(String queue) {
		if (QueueSpec.isDeadLetterQueue(queue)) {
			QueueNames.validate(queue); // explains that the name is reserved
		}
		// Other names are validated when the queue is first bound, not on every enqueue.
		return this.queues.binding(queue);
	}

	private static List<LeasedMessage> fetch(FilaDriver driver, String queue, Duration timeout) {
		// Saturated, not toNanos(): a timeout past 292 years waits, a hugely negative one does not.
		long deadline = System.nanoTime() + (timeout.isNegative() ? 0 : TimeUnit.NANOSECONDS.convert(timeout));
		try {
			while (true) {
				long remaining = deadline - System.nanoTime();
				Duration slice = Duration.ofNanos(Math.max(0, Math.min(remaining, POLL_SLICE.toNanos())));
				List<LeasedMessage> fetched = driver.fetch(queue, 1, slice);
				if (!fetched.isEmpty() || remaining <= 0) {
					return fetched;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return List.of();
		}
	}

	private record BoundQueue(String driver, FilaMetricsRecorder.QueueRecorder recorder) {
	}

	private static final class Delivery implements FilaDelivery {

		private final LeasedMessage message;

		private final QueueBinding binding;

		private final FilaMetricsRecorder metricsRecorder;

		private final FailureLog failureLog;

		Delivery(LeasedMessage message, QueueBinding binding, FilaMetricsRecorder metricsRecorder,
				FailureLog failureLog) {
			this.failureLog = failureLog;
			this.message = message;
			this.binding = binding;
			this.metricsRecorder = metricsRecorder;
		}

		@Override
		public void ack() {
			if (!this.binding.driver().ack(this.message)) {
				throw leaseLost();
			}
			this.metricsRecorder.acked(FilaMetricsRecorder.PULL_CONSUMER, this.binding.driver().name(), this.message);
		}

		@Override
		public void nack(String error) {
			FailureDecision decision = this.binding.fail(this.message, error);
			if (decision == null) {
				throw leaseLost();
			}
			boolean deadLettered = decision instanceof FailureDecision.DeadLetter;
			this.metricsRecorder.nacked(FilaMetricsRecorder.PULL_CONSUMER, this.binding.driver().name(), this.message,
					deadLettered);
			if (deadLettered) {
				this.failureLog.deadLettered(this.message, error);
			}
		}

		private FilaException leaseLost() {
			return new FilaException("Lease of message " + this.message.id() + " on queue '" + this.message.queue()
					+ "' was lost: it expired and the message is back in the queue");
		}

		@Override
		public String id() {
			return this.message.id();
		}

		@Override
		public String queue() {
			return this.message.queue();
		}

		@Override
		public Map<String, String> headers() {
			return this.message.headers();
		}

		@Override
		public byte[] payload() {
			return this.message.payload();
		}

		@Override
		public String fairnessKey() {
			return this.message.fairnessKey();
		}

		@Override
		public double weight() {
			return this.message.weight();
		}

		@Override
		public List<String> throttleKeys() {
			return this.message.throttleKeys();
		}

		@Override
		public int priority() {
			return this.message.priority();
		}

		@Override
		public int attempts() {
			return this.message.attempts();
		}

		@Override
		public java.time.Instant enqueuedAt() {
			return this.message.enqueuedAt();
		}

	}

}
