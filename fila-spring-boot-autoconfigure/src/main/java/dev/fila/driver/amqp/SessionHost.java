package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.rabbitmq.client.Channel;

import dev.fila.scheduling.Throttles;

/**
 * What a {@link QueueSession} needs of the driver, and nothing more: channels to consume on,
 * the names and arguments of the queues it consumes, what the key log says of their keys, the
 * throttles, and a thread for work that must not run on the connection's thread nor under the
 * session's lock. Implemented by {@link AmqpSessions}; a test can give a session its own.
 */
interface SessionHost {

	/** Opens a plain channel for consumers; the caller closes it. */
	Channel openChannel() throws IOException;

	/** The ready messages of a RabbitMQ queue, or -1 when it does not exist. */
	long readyCount(String rabbitQueue);

	/** Runs work on the driver's timer thread (nothing runs once the driver is closing). */
	void execute(Runnable work);

	/** The queue a Fila queue's retries land in (see {@link AmqpNames#retryQueue}). */
	String retryQueue(String queue);

	/** The RabbitMQ queue a key's messages go to: its own queue or its shard. */
	String keyQueue(String queue, String key);

	/** The arguments every declare of the Fila queue's RabbitMQ queues carries. */
	Map<String, Object> keyQueueArguments(String queue);

	/** Every shard queue of a Fila queue; empty without key shards (a queue per key). */
	List<String> shardQueues(String queue);

	/** The keys announced in the key log for a queue so far. */
	Set<String> announcedKeys(String queue);

	/** Whether an instance is expiring the key's queue (see {@link KeyExpiry}). */
	boolean expiring(String queue, String key);

	/** The prefetch of the next queue consumed, given how many the session consumes already. */
	int keyPrefetch(int consumedQueues);

	/** @return the driver's token buckets, which the session's scheduler takes permits from */
	Throttles throttles();

}
