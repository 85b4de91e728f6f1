package dev.fila.driver.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.QueueNotFoundException;
import dev.fila.core.QueueStats;
import dev.fila.driver.DeadLetterHeaders;
import dev.fila.driver.ErrorHeader;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.GivenFlows;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.PendingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryQueue.Entry;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.TokenBuckets;

/**
 * The embedded driver: queues in the JVM heap, scheduled in-process. Fast and dependency
 * free, but nothing survives the JVM and nothing is shared between application instances.
 */
public class MemoryDriver implements FilaDriver {

	/** The driver type name. */
	public static final String TYPE = "memory";

	private static final Logger logger = LoggerFactory.getLogger(MemoryDriver.class);

	private final String name;

	private final Map<String, MemoryQueue> queues = new ConcurrentHashMap<>();

	private final TokenBuckets throttles = new TokenBuckets();

	/** Pauses and weight overrides by queue name, kept for queues created later. */
	private final GivenFlows flows = new GivenFlows();

	private final MessageLimits limits;

	public MemoryDriver(String name) {
		this(name, MessageLimits.DEFAULTS);
	}

	/**
	 * @param name the driver name
	 * @param limits the largest message the driver takes
	 */
	public MemoryDriver(String name, MessageLimits limits) {
		this.name = name;
		this.limits = limits;
	}

	@Override
	public MessageLimits limits() {
		return this.limits;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String type() {
		return TYPE;
	}

	@Override
	public boolean isRemote() {
		return false;
	}

	@Override
	public void createQueue(QueueSpec spec) {
		MemoryQueue queue = this.queues.compute(spec.name(), (queueName, existing) -> {
			if (existing == null) {
				return new MemoryQueue(spec, this.name, this.throttles);
			}
			existing.update(spec);
			return existing;
		});
		queue.flow(this.flows.get(spec.name()));
		if (spec.deadLetter()) {
			MemoryQueue dlq = this.queues.computeIfAbsent(spec.deadLetterQueue(),
					(name) -> new MemoryQueue(new QueueSpec(name, spec.visibilityTimeout(), spec.quantum(), false),
							this.name, this.throttles));
			dlq.flow(this.flows.get(spec.deadLetterQueue()));
		}
	}

	@Override
	public void applyFlow(String queue, QueueFlow flow) {
		this.flows.put(queue, flow);
		MemoryQueue found = this.queues.get(queue);
		if (found != null) {
			found.flow(flow);
		}
	}

	@Override
	public boolean deleteQueue(String queue) {
		MemoryQueue removed = this.queues.remove(queue);
		if (removed != null) {
			removed.markDeleted();
		}
		return removed != null;
	}

	@Override
	public List<String> listQueues() {
		return this.queues.keySet().stream().sorted().toList();
	}

	@Override
	public boolean queueExists(String queue) {
		return this.queues.containsKey(queue);
	}

	@Override
	public List<String> enqueue(String queue, List<OutgoingMessage> messages) {
		MemoryQueue target = queue(queue);
		this.limits.check(this, queue, messages);
		return target.enqueue(messages);
	}

	@Override
	public List<LeasedMessage> fetch(String queue, int max, Duration maxWait) throws InterruptedException {
		return queue(queue).fetch(max, maxWait);
	}

	@Override
	public void wakeUp(String queue) {
		MemoryQueue found = this.queues.get(queue);
		if (found != null) {
			found.wakeUp();
		}
	}

	@Override
	public boolean ack(LeasedMessage message) {
		return queue(message.queue()).ack(message);
	}

	@Override
	public boolean nack(LeasedMessage message, FailureDecision decision, String error) {
		MemoryQueue source = queue(message.queue());
		error = ErrorHeader.value(error);
		if (decision instanceof FailureDecision.Retry retry) {
			return source.retry(message, retry.delay());
		}
		Entry entry = source.remove(message);
		if (entry == null) {
			return false;
		}
		MemoryQueue dlq = source.spec().deadLetter() ? this.queues.get(source.spec().deadLetterQueue()) : null;
		if (dlq == null) {
			logger.warn("Dropped message {} from queue '{}' after {} attempts: the queue has no dead-letter queue ({})",
					message.id(), message.queue(), message.attempts(), error);
			return true;
		}
		dlq.enqueueEntries(List.of(entry.moved(DeadLetterHeaders.added(entry.headers, message, error))));
		return true;
	}

	@Override
	public boolean release(LeasedMessage message) {
		return queue(message.queue()).release(message);
	}

	@Override
	public boolean extendLease(LeasedMessage message, Duration duration) {
		return queue(message.queue()).extendLease(message, duration);
	}

	@Override
	public QueueStats stats(String queue) {
		return queue(queue).stats();
	}

	@Override
	public int redrive(String deadLetterQueue, int count) {
		List<Entry> drained = queue(deadLetterQueue).drain(count);
		Map<String, List<Entry>> bySource = new HashMap<>();
		for (Entry entry : drained) {
			String source = DeadLetterHeaders.sourceQueue(entry.headers, deadLetterQueue);
			bySource.computeIfAbsent(source, (key) -> new ArrayList<>())
				.add(entry.moved(DeadLetterHeaders.removed(entry.headers)));
		}
		int moved = 0;
		for (Map.Entry<String, List<Entry>> group : bySource.entrySet()) {
			MemoryQueue target = this.queues.get(group.getKey());
			if (target == null) {
				// The source queue is gone: keep the messages where they were.
				queue(deadLetterQueue).enqueueEntries(group.getValue());
				logger.warn("Could not redrive {} messages from '{}': source queue '{}' does not exist",
						group.getValue().size(), deadLetterQueue, group.getKey());
				continue;
			}
			target.enqueueEntries(group.getValue());
			moved += group.getValue().size();
		}
		return moved;
	}

	@Override
	public List<PendingMessage> peek(String queue, int count) {
		return queue(queue).peek(count);
	}

	@Override
	public long purge(String queue) {
		return queue(queue).purge();
	}

	@Override
	public void setThrottle(String key, double rate, long burst) {
		this.throttles.set(key, rate, burst, System.nanoTime());
	}

	@Override
	public double availablePermits(String key) {
		return this.throttles.available(key, System.nanoTime());
	}

	@Override
	public void ping() {
		// Always reachable: it lives in this JVM.
	}

	/**
	 * Returns how many leases of a queue expired so far (a consumer died or got stuck).
	 * @param queue the queue name
	 * @return the number of expired leases
	 */
	@Override
	public long expiredLeases(String queue) {
		return queue(queue).expiredLeases();
	}

	@Override
	public long throttleLimited(String queue) {
		return queue(queue).throttleLimited();
	}

	@Override
	public void close() {
		this.queues.values().forEach(MemoryQueue::markDeleted);
		this.queues.clear();
	}

	MemoryQueue queue(String queue) {
		MemoryQueue found = this.queues.get(queue);
		if (found == null) {
			throw new QueueNotFoundException(queue);
		}
		return found;
	}

	@Override
	public String toString() {
		return "MemoryDriver[" + this.name + "]";
	}

}
