package dev.fila.driver.redis;

import java.util.ArrayList;
import java.util.List;

import org.springframework.data.redis.connection.ReturnType;

import dev.fila.driver.OutgoingMessage;

import static dev.fila.driver.redis.RedisValues.bytes;

/**
 * Enqueues messages: one script call per batch, then, when the driver waits for replicas, a
 * {@code WAIT} on the same connection.
 */
final class RedisPublisher {

	private final RedisQueues queues;

	private final MessageJson json;

	private final ReplicaWait replicaWait;

	private final RedisScripts enqueue = RedisScripts.load("enqueue", "schedule");

	private static final byte[] NO_DELAY = bytes("0");

	/** Priority levels as script arguments, by level. */
	private static final byte[][] LEVELS = new byte[10][];

	static {
		for (int level = 0; level < LEVELS.length; level++) {
			LEVELS[level] = bytes(Integer.toString(level));
		}
	}

	RedisPublisher(RedisQueues queues, MessageJson json, ReplicaWait replicaWait) {
		this.queues = queues;
		this.json = json;
		this.replicaWait = replicaWait;
	}

	/**
	 * @return the new messages' ids, in order
	 * @throws ReplicaWaitException when fewer replicas than asked confirmed the batch in time
	 */
	List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		List<String> ids = new ArrayList<>(messages.size());
		QueueKeys keys = this.queues.keys(queue);
		List<byte[]> args = new ArrayList<>(5 + messages.size() * 8);
		args.add(keys.routing());
		args.add(keys.base());
		args.add(keys.channel());
		args.add(keys.name());
		args.add(bytes(Integer.toString(messages.size())));
		for (OutgoingMessage message : messages) {
			String id = message.id();
			ids.add(id);
			args.add(bytes(id));
			args.add(bytes(message.scheduling().fairnessKey()));
			args.add(bytes(Double.toString(message.scheduling().weight())));
			args.add(bytes(this.json.encodeThrottleKeys(message.scheduling().throttleKeys())));
			args.add(this.json.encodeHeaders(message.headers()));
			args.add(message.payload());
			args.add(message.delayed() ? bytes(Long.toString(message.delayMillis())) : NO_DELAY);
			args.add(LEVELS[message.scheduling().priority()]);
		}
		byte[][] keyAndArgs = args.toArray(new byte[0][]);
		long confirmed = this.queues.onQueue(queue, (connection) -> {
			this.enqueue.run(connection, ReturnType.INTEGER, keyAndArgs);
			return this.replicaWait.enabled() ? this.replicaWait.await(connection, keys.routing()) : 0L;
		});
		if (confirmed < this.replicaWait.replicas()) {
			throw new ReplicaWaitException(queue, confirmed, this.replicaWait.replicas(),
					this.replicaWait.timeout().toMillis());
		}
		return ids;
	}

}
