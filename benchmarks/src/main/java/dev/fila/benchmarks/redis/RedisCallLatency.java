package dev.fila.benchmarks.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.redis.RedisDriver;
import dev.fila.driver.redis.RedisDriverOptions;
import dev.fila.scheduling.Scheduling;

/**
 * What one message costs on the latency path, call by call: from one thread, repeatedly, a
 * driver {@code enqueue} of one message, a {@code fetch} of it, its {@code ack}, then on the
 * same Spring connection factory a plain {@code LPUSH} and an {@code EVAL "return 1"} (the round
 * trip without a script's work), and a {@code fetch} of an empty queue. Prints the p50 of each
 * per round; the first rounds include the JIT's warm-up.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.redis.RedisCallLatency [calls=5000] [rounds=4]}
 */
public final class RedisCallLatency {

	private RedisCallLatency() {
	}

	public static void main(String[] args) throws Exception {
		int calls = (args.length > 0) ? Integer.parseInt(args[0]) : 5_000;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 4;
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", 6379));
		factory.afterPropertiesSet();
		factory.start();
		String prefix = "fila-call-latency-" + UUID.randomUUID();
		byte[] rawList = (prefix + ":raw").getBytes();
		byte[] returnOne = "return 1".getBytes();
		try (RedisDriver driver = new RedisDriver("redis", factory, RedisDriverOptions.DEFAULTS.withKeyPrefix(prefix),
				MessageLimits.DEFAULTS)) {
			driver.createQueue(new QueueSpec("calls", Duration.ofSeconds(30), 1, false));
			driver.createQueue(new QueueSpec("empty", Duration.ofSeconds(30), 1, false));
			byte[] payload = new byte[256];
			System.out.println("p50 per call (µs): enqueue of 1 | fetch of it | its ack | empty fetch | LPUSH | EVAL return 1");
			for (int round = 0; round < rounds; round++) {
				long[][] times = new long[6][calls];
				for (int i = 0; i < calls; i++) {
					OutgoingMessage message = new OutgoingMessage(Map.of(), payload,
							new Scheduling("tenant-" + (i % 10), 1, List.of()));
					long t0 = System.nanoTime();
					driver.enqueue("calls", List.of(message));
					long t1 = System.nanoTime();
					List<LeasedMessage> leased = driver.fetch("calls", 1, Duration.ZERO);
					long t2 = System.nanoTime();
					driver.ackAll(leased);
					long t3 = System.nanoTime();
					driver.fetch("empty", 11, Duration.ZERO);
					long t4 = System.nanoTime();
					try (RedisConnection connection = factory.getConnection()) {
						connection.listCommands().lPush(rawList, payload);
						long t5 = System.nanoTime();
						connection.scriptingCommands().eval(returnOne, ReturnType.INTEGER, 0);
						long t6 = System.nanoTime();
						times[4][i] = t5 - t4;
						times[5][i] = t6 - t5;
						connection.keyCommands().del(rawList);
					}
					times[0][i] = t1 - t0;
					times[1][i] = t2 - t1;
					times[2][i] = t3 - t2;
					times[3][i] = t4 - t3;
				}
				StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
				for (long[] column : times) {
					Arrays.sort(column);
					line.append(' ').append(column[calls / 2] / 1_000);
				}
				System.out.println(line);
			}
			driver.deleteQueue("calls");
			driver.deleteQueue("empty");
		}
		finally {
			factory.destroy();
		}
		System.exit(0);
	}

}
