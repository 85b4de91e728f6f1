package dev.fila.policy;

import java.util.Map;

/**
 * What a {@link FailurePolicy} sees of a failed delivery.
 *
 * @param queue the queue
 * @param messageId the message id
 * @param attempts the delivery number that failed, 1 for the first
 * @param headers the message headers
 * @param error the error message
 */
public record FailureContext(String queue, String messageId, int attempts, Map<String, String> headers,
		String error) {
}
