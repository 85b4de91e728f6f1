package dev.fila.policy;

import java.util.Map;

/**
 * What an {@link EnqueuePolicy} sees of a message.
 *
 * @param queue the target queue
 * @param headers the message headers
 * @param payloadSize the payload size in bytes
 */
public record EnqueueContext(String queue, Map<String, String> headers, int payloadSize) {
}
