package dev.fila.listener;

import java.lang.reflect.Method;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.messaging.handler.invocation.MethodArgumentResolutionException;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.queue.FilaQueues;

/**
 * Adapts a {@code @FilaListener} method: arguments are resolved by spring-messaging (payload
 * conversion, {@code @Header}, {@code @Headers}, {@code @Payload}), with the
 * {@link dev.fila.core.FilaMessage} and {@link Acknowledgement} passed by type. A non-null
 * return value is sent to the {@code reply_to} queue, if the message names one, with the
 * same {@code correlation_id}, before the message is acked.
 */
public class MethodFilaMessageHandler implements FilaMessageHandler {

	private final InvocableHandlerMethod method;

	private final boolean manualAcknowledgement;

	private final FilaTemplate template;

	private final FilaQueues queues;

	/**
	 * @param method the listener method, bound to its bean
	 * @param template sends replies
	 * @param queues resolves reply queues
	 */
	public MethodFilaMessageHandler(InvocableHandlerMethod method, FilaTemplate template, FilaQueues queues) {
		this.method = method;
		this.template = template;
		this.queues = queues;
		this.manualAcknowledgement = hasParameter(method.getMethod(), Acknowledgement.class);
	}

	@Override
	public void handle(FilaMessage message, Acknowledgement acknowledgement) throws Exception {
		Message<byte[]> springMessage = new FilaSpringMessage(message);
		Object result;
		try {
			result = this.method.invoke(springMessage, message, acknowledgement);
		}
		catch (MessageConversionException | MethodArgumentResolutionException ex) {
			throw new DeadLetterException("Cannot convert message for " + describe() + ": " + ex.getMessage(), ex);
		}
		if (result != null) {
			this.template.reply(message, result);
		}
	}

	@Override
	public boolean isManualAcknowledgement() {
		return this.manualAcknowledgement;
	}

	@Override
	public String describe() {
		Method target = this.method.getMethod();
		return target.getDeclaringClass().getName() + "." + target.getName();
	}

	private static boolean hasParameter(Method method, Class<?> type) {
		for (Class<?> parameterType : method.getParameterTypes()) {
			if (type.isAssignableFrom(parameterType)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The Spring view of a Fila message. Its headers are copied into {@link MessageHeaders} only
	 * when asked for: a method taking the payload as it came ({@code byte[]}) never needs them,
	 * and the copy was a fifth of a worker's time on the memory driver (docs/benchmarks.md).
	 * Used by the one thread that invokes the listener method.
	 */
	static final class FilaSpringMessage implements Message<byte[]> {

		private final FilaMessage message;

		private @Nullable MessageHeaders headers;

		FilaSpringMessage(FilaMessage message) {
			this.message = message;
		}

		@Override
		public byte[] getPayload() {
			return this.message.payload();
		}

		@Override
		public MessageHeaders getHeaders() {
			MessageHeaders copied = this.headers;
			if (copied == null) {
				copied = new FilaMessageHeaders(this.message.headers());
				this.headers = copied;
			}
			return copied;
		}

		@Override
		public String toString() {
			return "FilaSpringMessage [payload=byte[" + this.message.payload().length + "], headers="
					+ this.message.headers() + "]";
		}

	}

	/** Message headers holding exactly the Fila headers: no generated id or timestamp. */
	static final class FilaMessageHeaders extends MessageHeaders {

		private static final long serialVersionUID = 1L;

		FilaMessageHeaders(Map<String, String> headers) {
			super(asObjectValues(headers), ID_VALUE_NONE, -1L);
		}

		/**
		 * MessageHeaders copies the map itself, so it needs no read-only view: iterating through
		 * one costs a wrapper per entry, on every delivery.
		 */
		@SuppressWarnings("unchecked")
		private static Map<String, Object> asObjectValues(Map<String, String> headers) {
			return (Map<String, Object>) (Map<String, ?>) headers;
		}

	}

}
