package dev.fila.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.OutgoingMessage;

/** Sends messages straight to a driver in batches, as the driver benchmarks' producers do. */
public final class DriverBatches {

	private DriverBatches() {
	}

	/**
	 * Enqueues {@code count} messages in batches of {@code batchSize}.
	 * @param driver the driver
	 * @param queue the queue
	 * @param count how many messages
	 * @param batchSize messages per enqueue call
	 * @param message builds message {@code i}
	 */
	public static void enqueue(FilaDriver driver, String queue, int count, int batchSize,
			IntFunction<OutgoingMessage> message) {
		List<OutgoingMessage> batch = new ArrayList<>(batchSize);
		for (int i = 0; i < count; i++) {
			batch.add(message.apply(i));
			if (batch.size() == batchSize) {
				driver.enqueue(queue, batch);
				batch = new ArrayList<>(batchSize);
			}
		}
		if (!batch.isEmpty()) {
			driver.enqueue(queue, batch);
		}
	}

}
