package dev.fila.driver.amqp;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import com.rabbitmq.client.Channel;
import org.jspecify.annotations.Nullable;

import dev.fila.driver.GivenFlows;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Throttles;

/**
 * This instance's {@link QueueSession sessions}, one per Fila queue it consumes, and the
 * per-queue counters that outlive them. Gives each session what it needs of the driver
 * through a {@link SessionHost}.
 */
final class AmqpSessions {

	private final Map<String, QueueSession> sessions = new ConcurrentHashMap<>();

	private final Map<String, QueueCounters> counters = new ConcurrentHashMap<>();

	/** Pauses and weight overrides by queue, kept for sessions opened later. */
	private final GivenFlows flows = new GivenFlows();

	private final AmqpTopology topology;

	private final KeyLog keyLog;

	private final SessionHost host;

	AmqpSessions(AmqpChannels channels, AmqpTopology topology, KeyLog keyLog, Throttles throttles,
			Executor timer) {
		this.topology = topology;
		this.keyLog = keyLog;
		this.host = new Host(channels, topology, keyLog, throttles, timer);
	}

	SessionHost host() {
		return this.host;
	}

	@Nullable QueueSession get(String queue) {
		return this.sessions.get(queue);
	}

	/** The queue's session, opened if there is none. */
	QueueSession open(String queue) {
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			return session;
		}
		this.topology.requireQueue(queue);
		// Read the key log up to now, so the new session consumes every key announced so far.
		this.keyLog.sync(KeyLog.SYNC_TIMEOUT);
		return this.sessions.computeIfAbsent(queue, (name) -> {
			QueueSession opened = new QueueSession(this.host, this.topology.spec(name), counters(name));
			opened.flow(this.flows.get(name));
			return opened;
		});
	}

	/** Applies a queue's pauses and weight overrides to its session, now and when it opens again. */
	void flow(String queue, QueueFlow flow) {
		this.flows.put(queue, flow);
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			session.flow(flow);
		}
	}

	@Nullable QueueSession remove(String queue) {
		return this.sessions.remove(queue);
	}

	void remove(QueueSession session) {
		this.sessions.remove(session.queue(), session);
	}

	Collection<QueueSession> all() {
		return this.sessions.values();
	}

	boolean isEmpty() {
		return this.sessions.isEmpty();
	}

	void clear() {
		this.sessions.clear();
	}

	QueueCounters counters(String queue) {
		return this.counters.computeIfAbsent(queue, (name) -> new QueueCounters());
	}

	@Nullable QueueCounters countersIfAny(String queue) {
		return this.counters.get(queue);
	}

	void forgetCounters(String queue) {
		this.counters.remove(queue);
	}

	/** Adds the sizes of the sessions' state to a footprint (see {@link AmqpDriver#footprint}). */
	void footprint(Map<String, Integer> sizes) {
		sizes.put("sessions", this.sessions.size());
		int sessionKeys = 0;
		for (QueueSession session : this.sessions.values()) {
			sessionKeys += session.localCounts().size();
		}
		sizes.put("sessionKeys", sessionKeys);
		sizes.put("counters", this.counters.size());
	}

	private record Host(AmqpChannels channels, AmqpTopology topology, KeyLog keyLog, Throttles throttles,
			Executor timer) implements SessionHost {

		@Override
		public Channel openChannel() throws IOException {
			return this.channels.open();
		}

		@Override
		public long readyCount(String rabbitQueue) {
			return this.channels.readyCount(rabbitQueue);
		}

		@Override
		public void execute(Runnable work) {
			try {
				this.timer.execute(work);
			}
			catch (RejectedExecutionException ex) {
				// closing
			}
		}

		@Override
		public String retryQueue(String queue) {
			return this.topology.names().retryQueue(queue);
		}

		@Override
		public String keyQueue(String queue, String key) {
			return this.topology.keyQueue(queue, key);
		}

		@Override
		public Map<String, Object> keyQueueArguments(String queue) {
			return this.topology.keyQueueArguments(queue);
		}

		@Override
		public List<String> shardQueues(String queue) {
			return this.topology.shardQueues(queue);
		}

		@Override
		public Set<String> announcedKeys(String queue) {
			return this.keyLog.keys(queue);
		}

		@Override
		public boolean expiring(String queue, String key) {
			return this.keyLog.expiring(queue, key);
		}

		@Override
		public int keyPrefetch(int consumedQueues) {
			return this.topology.keyPrefetch(consumedQueues);
		}

		@Override
		public Throttles throttles() {
			return this.throttles;
		}

	}

}
