package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

/**
 * Throttles on Redis Cluster. A token bucket is a key of its own, in another hash slot than the
 * queues it limits, so a fetch script cannot charge it. Instead a fetch first takes permits
 * from the bucket of every throttle key its queue asked for last time (up to the fetch size),
 * spends them in the fetch script and gives back what it did not spend. Every delivery spends
 * a permit its bucket granted, so a throttle key never delivers more than
 * {@code burst + rate * t}, across queues in any slot and across application instances.
 * Permits in transit (taken, not yet given back) are unavailable to others for one round
 * trip; if the instance dies in between they are lost, never duplicated.
 * <p>
 * A queue's first throttled message after a quiet spell finds no permits taken for its key:
 * the fetch reports the key, and the driver takes permits and fetches again at once.
 */
final class ClusterThrottles {

	private final RedisScripts permits = RedisScripts.load("permits");

	private final String bucketPrefix;

	/** Per queue: the throttle keys its last fetch asked for, which the next one takes permits of. */
	private final Map<String, Set<String>> demand = new ConcurrentHashMap<>();

	/** @param bucketPrefix the prefix of bucket keys, {@code <prefix>:throttle:} */
	ClusterThrottles(String bucketPrefix) {
		this.bucketPrefix = bucketPrefix;
	}

	/**
	 * Takes permits for one fetch of a queue.
	 * @param connection a cluster connection
	 * @param queue the queue
	 * @param max the fetch size: the most permits a key can need
	 * @return what was taken
	 */
	Taken take(RedisConnection connection, String queue, int max) {
		Map<String, Long> granted = new LinkedHashMap<>();
		long wait = -1;
		for (String key : this.demand.getOrDefault(queue, Set.of())) {
			List<Object> reply = this.permits.run(connection, ReturnType.MULTI, bucket(key), bucket(key),
					bytes("take"), bytes(Integer.toString(max)));
			long count = ((Number) reply.get(0)).longValue();
			long refill = ((Number) reply.get(1)).longValue();
			granted.put(key, count);
			if (refill > 0 && (wait < 0 || refill < wait)) {
				wait = refill;
			}
		}
		return new Taken(granted, wait);
	}

	/**
	 * Gives back the permits a fetch did not spend and remembers which keys it asked for.
	 * @param connection a cluster connection
	 * @param queue the queue
	 * @param taken what {@link #take} took
	 * @param spent per throttle key the fetch asked for: the permits it spent
	 * @return whether the fetch asked for a key it had taken no permits of
	 */
	boolean settle(RedisConnection connection, String queue, Taken taken, Map<String, Long> spent) {
		for (Map.Entry<String, Long> entry : taken.permits().entrySet()) {
			long unspent = entry.getValue() - spent.getOrDefault(entry.getKey(), 0L);
			if (entry.getValue() > 0 && unspent > 0) {
				this.permits.run(connection, ReturnType.MULTI, bucket(entry.getKey()), bucket(entry.getKey()),
						bytes("give"), bytes(Long.toString(unspent)));
			}
		}
		this.demand.put(queue, Set.copyOf(spent.keySet()));
		return !taken.permits().keySet().containsAll(spent.keySet());
	}

	/** Forgets a deleted queue. */
	void forget(String queue) {
		this.demand.remove(queue);
	}

	private byte[] bucket(String key) {
		return bytes(this.bucketPrefix + key);
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Permits taken for one fetch.
	 * @param permits per throttle key: permits granted, or -1 when the key has no bucket (no limit)
	 * @param refillMillis the soonest a key that granted fewer than asked has a permit again, or -1
	 */
	record Taken(Map<String, Long> permits, long refillMillis) {

		/** @return the fetch script's trailing arguments: the count, then key and permits pairs */
		List<byte[]> arguments() {
			List<byte[]> args = new ArrayList<>(1 + this.permits.size() * 2);
			args.add(bytes(Integer.toString(this.permits.size())));
			this.permits.forEach((key, count) -> {
				args.add(bytes(key));
				args.add(bytes(Long.toString(count)));
			});
			return args;
		}

	}

}
