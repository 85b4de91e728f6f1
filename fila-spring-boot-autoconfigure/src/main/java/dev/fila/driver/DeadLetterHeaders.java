package dev.fila.driver;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaHeaders;
import dev.fila.core.FilaMessage;

/**
 * The headers a dead-lettered message carries ({@code fila-attempts}, {@code fila-error},
 * {@code fila-source-queue}), added when it is dead-lettered and removed when it is redriven.
 * The Java drivers go through this class; the Redis driver's scripts ({@code nack.lua},
 * {@code redrive.lua}) do the same inside Redis, where the headers are stored.
 */
public final class DeadLetterHeaders {

	private DeadLetterHeaders() {
	}

	/**
	 * @param headers the message's headers as enqueued
	 * @param message the failed delivery
	 * @param error why it failed, bounded here by {@link ErrorHeader#value}
	 * @return an immutable copy of the headers with the dead-letter headers added
	 */
	public static Map<String, String> added(Map<String, String> headers, FilaMessage message,
			@Nullable String error) {
		Map<String, String> dead = new LinkedHashMap<>(headers);
		dead.put(FilaHeaders.ATTEMPTS, Integer.toString(message.attempts()));
		dead.put(FilaHeaders.ERROR, ErrorHeader.value(error));
		dead.put(FilaHeaders.SOURCE_QUEUE, message.queue());
		return Map.copyOf(dead);
	}

	/**
	 * @param headers a dead-lettered message's headers
	 * @return an immutable copy without the dead-letter headers, for a redriven message
	 */
	public static Map<String, String> removed(Map<String, String> headers) {
		Map<String, String> redriven = new LinkedHashMap<>(headers);
		redriven.remove(FilaHeaders.ATTEMPTS);
		redriven.remove(FilaHeaders.ERROR);
		redriven.remove(FilaHeaders.SOURCE_QUEUE);
		return Map.copyOf(redriven);
	}

	/**
	 * @param headers a dead-lettered message's headers
	 * @param deadLetterQueue the queue it is in
	 * @return the queue it was dead-lettered from: its {@code fila-source-queue}, else the
	 * dead-letter queue's source by name
	 */
	public static String sourceQueue(Map<String, String> headers, String deadLetterQueue) {
		String source = headers.get(FilaHeaders.SOURCE_QUEUE);
		return (source != null) ? source : QueueSpec.sourceQueueOf(deadLetterQueue);
	}

}
