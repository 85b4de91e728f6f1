package dev.fila.core;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.messaging.converter.ByteArrayMessageConverter;
import org.springframework.messaging.converter.CompositeMessageConverter;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.messaging.converter.StringMessageConverter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns payloads into bytes and back: {@code byte[]} as is, {@code String} as UTF-8, anything
 * else as JSON with the application's Jackson mapper. The same rules back listener argument
 * conversion through {@link #messageConverter()}.
 */
public class FilaPayloadConverter {

	private final JsonMapper jsonMapper;

	private final MessageConverter messageConverter;

	public FilaPayloadConverter(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
		this.messageConverter = new CompositeMessageConverter(List.of(new ByteArrayMessageConverter(),
				new StringMessageConverter(StandardCharsets.UTF_8), new JacksonJsonMessageConverter(jsonMapper)));
	}

	/**
	 * @param payload a payload
	 * @return its bytes
	 * @throws FilaException when the payload cannot be written as JSON
	 */
	public byte[] toBytes(Object payload) {
		if (payload instanceof byte[] bytes) {
			return bytes;
		}
		if (payload instanceof String text) {
			return text.getBytes(StandardCharsets.UTF_8);
		}
		try {
			return this.jsonMapper.writeValueAsBytes(payload);
		}
		catch (JacksonException ex) {
			throw new FilaException("Cannot write " + payload.getClass().getName() + " as JSON: " + ex.getOriginalMessage(),
					ex);
		}
	}

	/**
	 * @param bytes payload bytes
	 * @param type the wanted type
	 * @param <T> the wanted type
	 * @return the payload as {@code type}
	 * @throws FilaException when the bytes cannot be read as {@code type}
	 */
	@SuppressWarnings("unchecked")
	public <T> T fromBytes(byte[] bytes, Class<T> type) {
		if (type == byte[].class) {
			return (T) bytes;
		}
		if (type == String.class) {
			return (T) new String(bytes, StandardCharsets.UTF_8);
		}
		try {
			return this.jsonMapper.readValue(bytes, type);
		}
		catch (JacksonException ex) {
			throw new FilaException("Cannot read payload as " + type.getName() + ": " + ex.getOriginalMessage(), ex);
		}
	}

	/** @return a spring-messaging converter with the same rules, for listener arguments */
	public MessageConverter messageConverter() {
		return this.messageConverter;
	}

}
