package dev.fila.driver.amqp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jspecify.annotations.Nullable;

import dev.fila.core.KeyStats;
import dev.fila.core.QueueStats;
import dev.fila.driver.amqp.PublishedKeys.KeyWeight;

/**
 * A queue's stats: ready messages from RabbitMQ's counts of its key (or shard) queues, what
 * this instance's session buffered and leased, and the retries waiting in its delay queues.
 */
final class AmqpStats {

	private final String driverName;

	private final AmqpChannels channels;

	private final AmqpTopology topology;

	private final PublishedKeys publishedKeys;

	AmqpStats(String driverName, AmqpChannels channels, AmqpTopology topology, PublishedKeys publishedKeys) {
		this.driverName = driverName;
		this.channels = channels;
		this.topology = topology;
		this.publishedKeys = publishedKeys;
	}

	QueueStats stats(String queue, @Nullable QueueSession session) {
		if (session != null) {
			// Count what RabbitMQ already pushed to this instance as buffered, not as lost.
			session.barrier();
		}
		Map<String, KeyBuffers.KeyCounts> local = (session != null) ? session.localCounts() : Map.of();
		Map<String, KeyWeight> keyWeights = this.publishedKeys.weightsIfAny(queue);
		Map<String, ConcurrentLinkedQueue<Long>> delays = this.publishedKeys.delays(queue);
		Set<String> keys = new LinkedHashSet<>(this.topology.keysOf(queue));
		keys.addAll(local.keySet());
		long now = System.nanoTime();
		long pending = 0;
		long inFlight = 0;
		// A shard shared by several keys cannot tell whose its ready messages are: they count
		// for the queue, and for a key only when the shard is the key's alone.
		Map<String, List<String>> keysByQueue = new LinkedHashMap<>();
		for (String key : keys) {
			keysByQueue.computeIfAbsent(this.topology.keyQueue(queue, key), (name) -> new ArrayList<>()).add(key);
		}
		Map<String, Long> readyByQueue = new HashMap<>();
		for (String rabbitQueue : this.topology.sharded() ? this.topology.shardQueues(queue) : keysByQueue.keySet()) {
			long ready = Math.max(0, this.channels.readyCount(rabbitQueue));
			readyByQueue.put(rabbitQueue, ready);
			pending += ready;
		}
		List<KeyStats> keyStats = new ArrayList<>();
		for (Map.Entry<String, List<String>> keysOfQueue : keysByQueue.entrySet()) {
			for (String key : keysOfQueue.getValue()) {
				boolean alone = keysOfQueue.getValue().size() == 1;
				long ready = alone ? readyByQueue.getOrDefault(keysOfQueue.getKey(), 0L) : 0;
				KeyBuffers.KeyCounts held = local.get(key);
				long buffered = (held != null) ? held.buffered() : 0;
				long keyPending = ready + buffered;
				long keyInFlight = (held != null) ? held.inFlight() : 0;
				long keyDelayed = PublishedKeys.countDue(delays.get(key), now);
				pending += buffered;
				inFlight += keyInFlight;
				if (keyPending + keyInFlight + keyDelayed > 0) {
					KeyWeight published = keyWeights.get(key);
					double weight = (held != null) ? held.weight() : (published != null) ? published.weight() : 1.0;
					keyStats.add(new KeyStats(key, keyPending, keyInFlight, keyDelayed, weight));
				}
			}
		}
		AmqpNames names = this.topology.names();
		long delayed = Math.max(0, this.channels.readyCount(names.retryQueue(queue)));
		for (long delay : this.topology.delaysOf(queue)) {
			delayed += Math.max(0, this.channels.readyCount(names.delayQueue(queue, delay)));
		}
		keyStats.sort(Comparator.comparingLong(KeyStats::pending).reversed().thenComparing(KeyStats::key));
		return new QueueStats(queue, this.driverName, pending, inFlight, delayed, keyStats);
	}

}
