package dev.fila.driver;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.fila.core.MessageTooLargeException;

/**
 * The largest message a driver takes. Drivers check a whole batch against their limits before
 * they send any of it, so an oversized message never leaves half a batch behind, and never
 * reaches a backend that would refuse it in a way that is retried (a RabbitMQ frame too
 * large) or that breaks the message later (a header too large to dead-letter).
 * <p>
 * Header bytes are the UTF-8 bytes of every header name and value, plus the fairness key and
 * the throttle keys, which drivers store beside the headers (the AMQP driver in them).
 *
 * @param maxPayloadBytes the largest payload, in bytes
 * @param maxHeaderBytes the most header bytes of one message (see above)
 * @param maxHeaders the most headers of one message
 * @param maxHeaderNameBytes the longest header name, in UTF-8 bytes
 * @param payloadProperty the property that sets {@code maxPayloadBytes}, or {@code null} when fixed
 * @param headerProperty the property that sets {@code maxHeaderBytes}, or {@code null} when fixed
 */
public record MessageLimits(int maxPayloadBytes, int maxHeaderBytes, int maxHeaders, int maxHeaderNameBytes,
		@Nullable String payloadProperty, @Nullable String headerProperty) {

	/** The default payload limit of every driver: 16 MiB. */
	public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 << 20;

	/** The default header limit of every driver: 64 KiB (half of RabbitMQ's default frame). */
	public static final int DEFAULT_MAX_HEADER_BYTES = 64 << 10;

	/** The most headers a message may have. */
	public static final int MAX_HEADERS = 1000;

	/** The longest header name: AMQP field table names are short strings of at most 255 bytes. */
	public static final int MAX_HEADER_NAME_BYTES = 255;

	/** The defaults, with no property named (drivers created in code). */
	public static final MessageLimits DEFAULTS = new MessageLimits(DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_HEADER_BYTES,
			MAX_HEADERS, MAX_HEADER_NAME_BYTES, null, null);

	/**
	 * @param maxPayloadBytes the largest payload, in bytes
	 * @param property the property that sets it, named in errors; {@code null} when fixed
	 * @return these limits with another payload limit
	 */
	public MessageLimits withMaxPayloadBytes(int maxPayloadBytes, @Nullable String property) {
		return new MessageLimits(maxPayloadBytes, this.maxHeaderBytes, this.maxHeaders, this.maxHeaderNameBytes,
				property, this.headerProperty);
	}

	/**
	 * @param maxHeaderBytes the most header bytes of one message
	 * @param property the property that sets it, named in errors; {@code null} when fixed
	 * @return these limits with another header limit
	 */
	public MessageLimits withMaxHeaderBytes(int maxHeaderBytes, @Nullable String property) {
		return new MessageLimits(this.maxPayloadBytes, maxHeaderBytes, this.maxHeaders, this.maxHeaderNameBytes,
				this.payloadProperty, property);
	}

	/**
	 * Checks every message of a batch, before any is sent.
	 * @param driver the driver's type and name, for the message ({@code amqp driver 'rabbit'})
	 * @param queue the queue name
	 * @param messages the batch
	 * @throws MessageTooLargeException for the first message that breaks a limit
	 */
	public void check(String driver, String queue, List<OutgoingMessage> messages) {
		check(() -> driver, queue, messages);
	}

	/**
	 * Checks every message of a batch, before any is sent (on every enqueue: the driver's
	 * description is built only for an error).
	 * @param driver the driver, named in the message
	 * @param queue the queue name
	 * @param messages the batch
	 * @throws MessageTooLargeException for the first message that breaks a limit
	 */
	public void check(FilaDriver driver, String queue, List<OutgoingMessage> messages) {
		check(() -> driver.type() + " driver '" + driver.name() + "'", queue, messages);
	}

	private void check(Supplier<String> driver, String queue, List<OutgoingMessage> messages) {
		for (int i = 0; i < messages.size(); i++) {
			String problem = problem(messages.get(i));
			if (problem != null) {
				throw new MessageTooLargeException(queue, i, "Refused message " + (i + 1) + " of " + messages.size()
						+ " (index " + i + ") for queue '" + queue + "'; nothing of the batch was sent: " + problem
						+ ", over what the " + driver.get() + " takes");
			}
		}
	}

	private @Nullable String problem(OutgoingMessage message) {
		if (message.payload().length > this.maxPayloadBytes) {
			return "its payload is " + message.payload().length + " bytes, more than " + this.maxPayloadBytes
					+ settable(this.payloadProperty);
		}
		if (message.headers().size() > this.maxHeaders) {
			return "it has " + message.headers().size() + " headers, more than " + this.maxHeaders;
		}
		long headerBytes = utf8Length(message.scheduling().fairnessKey());
		for (String key : message.scheduling().throttleKeys()) {
			headerBytes += utf8Length(key);
		}
		for (Map.Entry<String, String> header : message.headers().entrySet()) {
			int nameBytes = utf8Length(header.getKey());
			if (nameBytes > this.maxHeaderNameBytes) {
				return "header name '" + abbreviate(header.getKey()) + "' is " + nameBytes + " bytes, more than "
						+ this.maxHeaderNameBytes;
			}
			headerBytes += nameBytes + utf8Length(header.getValue());
		}
		if (headerBytes > this.maxHeaderBytes) {
			return "its headers take " + headerBytes
					+ " bytes (UTF-8 names and values, with the fairness key and throttle keys), more than "
					+ this.maxHeaderBytes + settable(this.headerProperty);
		}
		return null;
	}

	private static String settable(@Nullable String property) {
		return (property != null) ? " (set " + property + ")" : "";
	}

	private static String abbreviate(String text) {
		return (text.length() <= 40) ? text : text.substring(0, 40) + "...";
	}

	/** UTF-8 length without encoding (an unpaired surrogate counts as the 1 byte of its '?'). */
	static int utf8Length(String text) {
		int bytes = 0;
		for (int i = 0; i < text.length(); i++) {
			int width = utf8Width(text, i);
			bytes += width;
			if (width == 4) {
				i++;
			}
		}
		return bytes;
	}

	/**
	 * @return the UTF-8 bytes of the character at {@code i}: 4 for a surrogate pair (two chars),
	 * 1 for an unpaired surrogate (its '?')
	 */
	static int utf8Width(String text, int i) {
		char c = text.charAt(i);
		if (c < 0x80) {
			return 1;
		}
		if (c < 0x800) {
			return 2;
		}
		if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
			return 4;
		}
		return Character.isSurrogate(c) ? 1 : 3;
	}

}
