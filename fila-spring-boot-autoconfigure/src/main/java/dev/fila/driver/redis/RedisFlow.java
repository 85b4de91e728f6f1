package dev.fila.driver.redis;

import java.util.ArrayList;
import java.util.List;

import org.springframework.data.redis.connection.ReturnType;

import dev.fila.driver.GivenFlows;
import dev.fila.scheduling.QueueFlow;

import static dev.fila.driver.redis.RedisValues.bytes;

/**
 * An operator's pauses, weight overrides and in-flight limits, written into each queue's own keys by
 * {@code flow.lua} so that the fetch script enforces them atomically for every instance. A
 * state given for a queue that does not exist yet is kept and written when the queue is created.
 */
final class RedisFlow {

	private final RedisQueues queues;

	private final RedisScripts flow = RedisScripts.load("flow");

	/** The last state given per queue, for queues created later. */
	private final GivenFlows given = new GivenFlows();

	RedisFlow(RedisQueues queues) {
		this.queues = queues;
	}

	void apply(String queue, QueueFlow state) {
		this.given.put(queue, state);
		write(queue, state);
	}

	/** After a queue was created: writes the state given for it, if any. */
	void created(String queue) {
		QueueFlow state = this.given.get(queue);
		if (!state.equals(QueueFlow.NONE)) {
			write(queue, state);
		}
	}

	/**
	 * @param queue a queue
	 * @return whether it has in-flight limits: ending a lease must then wake waiting consumers
	 */
	boolean limited(String queue) {
		return this.given.get(queue).limited();
	}

	private void write(String queue, QueueFlow state) {
		QueueKeys keys = this.queues.keys(queue);
		List<byte[]> args = new ArrayList<>();
		args.add(keys.routing());
		args.add(keys.base());
		args.add(keys.channel());
		args.add(keys.name());
		args.add(bytes(state.paused() ? "1" : "0"));
		args.add(bytes(Integer.toString(state.pausedKeys().size())));
		state.pausedKeys().forEach((key) -> args.add(bytes(key)));
		args.add(bytes(Integer.toString(state.keyWeights().size())));
		state.keyWeights().forEach((key, weight) -> {
			args.add(bytes(key));
			args.add(bytes(Double.toString(weight)));
		});
		args.add(bytes(Integer.toString(state.keyMaxInFlight())));
		args.add(bytes(Integer.toString(state.maxInFlight())));
		args.add(bytes(Integer.toString(state.keyLimits().size())));
		state.keyLimits().forEach((key, limit) -> {
			args.add(bytes(key));
			args.add(bytes(Integer.toString(limit)));
		});
		args.add(bytes(Long.toString(state.priorityAgingMillis())));
		byte[][] keyAndArgs = args.toArray(new byte[0][]);
		this.queues.onQueue(queue, (connection) -> this.flow.run(connection, ReturnType.INTEGER, keyAndArgs));
	}

}
