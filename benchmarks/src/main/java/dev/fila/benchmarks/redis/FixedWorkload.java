package dev.fila.benchmarks.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.benchmarks.DriverBatches;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.driver.redis.RedisDriverOptions;
import dev.fila.scheduling.Scheduling;

/**
 * One fixed sequence of driver calls, from one thread, so that the work Redis does for it is
 * the same on every run: enqueue {@code messages} over {@code keys} keys in batches of 100, then
 * fetch {@code fetch} at a time and ack each fetch until the queue is empty, then fetch once more
 * (nothing comes; like a consumer's next fetch, it takes the keys whose lists ran empty out of
 * the ring, which with many keys is a good part of the work). Meant to run
 * against a Redis under {@code valgrind --tool=callgrind}, whose instruction count does not
 * depend on what else the machine is doing (see {@code scripts/redis-instructions.sh}).
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.redis.FixedWorkload port [messages=5000] [keys=10] [fetch=4] [enqueue-only]}:
 * with {@code enqueue-only} the queue is deleted with its messages instead of consumed.
 */
public final class FixedWorkload {

	private FixedWorkload() {
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int messages = (args.length > 1) ? Integer.parseInt(args[1]) : 5_000;
		int keys = (args.length > 2) ? Integer.parseInt(args[2]) : 10;
		int fetch = (args.length > 3) ? Integer.parseInt(args[3]) : 4;
		boolean enqueueOnly = args.length > 4 && args[4].equals("enqueue-only");
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
		factory.afterPropertiesSet();
		factory.start();
		try (RedisDriver driver = new RedisDriver("redis", factory, RedisDriverOptions.DEFAULTS.withKeyPrefix("fixed"),
				MessageLimits.DEFAULTS)) {
			String queue = "fixed";
			driver.createQueue(new QueueSpec(queue, Duration.ofMinutes(10), 1, false));
			byte[] payload = new byte[256];
			DriverBatches.enqueue(driver, queue, messages, 100,
					(i) -> new OutgoingMessage(Map.of(), payload, new Scheduling("tenant-" + (i % keys), 1, List.of())));
			int received = enqueueOnly ? messages : 0;
			while (received < messages) {
				List<LeasedMessage> leased = driver.fetch(queue, fetch, Duration.ZERO);
				if (leased.isEmpty()) {
					throw new IllegalStateException("Empty after " + received + " of " + messages);
				}
				driver.ackAll(leased);
				received += leased.size();
			}
			if (!enqueueOnly && !driver.fetch(queue, fetch, Duration.ZERO).isEmpty()) {
				throw new IllegalStateException("A message after the last one");
			}
			driver.deleteQueue(queue);
			System.out.printf("fixed workload: %,d messages, %d keys, fetches of %d%n", messages, keys, fetch);
		}
		finally {
			factory.destroy();
		}
	}

}
