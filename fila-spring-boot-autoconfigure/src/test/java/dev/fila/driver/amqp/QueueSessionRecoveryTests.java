package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Consumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import org.junit.jupiter.api.Test;

import dev.fila.driver.LeasedMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.Scheduling;

import dev.fila.scheduling.TokenBuckets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * How a {@link QueueSession} recovers from losing its channel, with mocked channels and no
 * broker: it reopens a channel and consumes every key queue again, and the leases it held on
 * the lost channel are given up (RabbitMQ requeued their messages), never acked elsewhere nor
 * copied.
 */
class QueueSessionRecoveryTests {

	private static final String QUEUE = "orders";

	private final FakeHost host = new FakeHost();

	private final QueueSession session = new QueueSession(this.host, new QueueSpec(QUEUE, Duration.ofSeconds(30), 1,
			false), new QueueCounters());

	@Test
	void consumesTheRetryQueueAndEveryAnnouncedKeyOnItsChannel() throws Exception {
		MockChannel channel = this.host.willOpen();

		assertThat(this.session.fetch(1, Duration.ofMillis(20))).as("warming up").isEmpty();
		this.host.runPending();

		assertThat(channel.consumedQueues()).containsExactly("retry:orders", "key:orders:a", "key:orders:b");
	}

	@Test
	void aChannelLostMidConsumeIsReopenedAndItsConsumersSubscribedAgain() throws Exception {
		MockChannel first = this.host.willOpen();
		this.session.fetch(1, Duration.ofMillis(20));
		this.host.runPending();
		first.deliver("key:orders:a", message("m1", "a"), 1, false);
		assertThat(this.session.fetch(1, Duration.ofSeconds(1))).hasSize(1);

		MockChannel second = this.host.willOpen();
		first.lose();
		this.host.runPending();

		assertThat(this.session.fetch(1, Duration.ofMillis(20))).isEmpty();
		this.host.runPending();
		assertThat(second.consumedQueues()).containsExactly("retry:orders", "key:orders:a", "key:orders:b");
		// The lost channel's deliveries come back from RabbitMQ, flagged as redelivered.
		second.deliver("key:orders:a", message("m1", "a"), 1, true);
		List<LeasedMessage> again = this.session.fetch(1, Duration.ofSeconds(1));
		assertThat(again).singleElement().satisfies((message) -> {
			assertThat(message.id()).isEqualTo("m1");
			assertThat(message.attempts()).isEqualTo(2);
		});
	}

	@Test
	void leasesOnALostChannelAreGivenUpNotAckedElsewhere() throws Exception {
		MockChannel first = this.host.willOpen();
		this.session.fetch(1, Duration.ofMillis(20));
		this.host.runPending();
		first.deliver("key:orders:a", message("m1", "a"), 7, false);
		LeasedMessage leased = this.session.fetch(1, Duration.ofSeconds(1)).get(0);

		this.host.willOpen();
		first.lose();
		this.host.runPending();

		assertThat(this.session.leases().extend(leased, Duration.ofSeconds(30))).isFalse();
		assertThat(this.session.leases().settle(leased)).as("nothing to ack: RabbitMQ requeued it").isNull();
		assertThat(this.session.leases().takeExpired()).isEmpty();
		verify(first.channel, never()).basicAck(anyLong(), anyBoolean());
	}

	@Test
	void aLeaseOfALostChannelIsNotReleasedIntoTheNewChannelsBuffer() throws Exception {
		MockChannel first = this.host.willOpen();
		this.session.fetch(1, Duration.ofMillis(20));
		this.host.runPending();
		first.deliver("key:orders:a", message("m1", "a"), 7, false);
		LeasedMessage leased = this.session.fetch(1, Duration.ofSeconds(1)).get(0);

		this.host.willOpen();
		first.lose();
		this.host.runPending();

		assertThat(this.session.leases().release(leased)).isFalse();
		assertThat(this.session.localCounts()).isEmpty();
	}

	@Test
	void anExpiredLeaseOfALostChannelIsNotCopied() throws Exception {
		QueueSession shortLeases = new QueueSession(this.host, new QueueSpec(QUEUE, Duration.ofMillis(1), 1, false),
				new QueueCounters());
		MockChannel first = this.host.willOpen();
		shortLeases.fetch(1, Duration.ofMillis(20));
		this.host.runPending();
		first.deliver("key:orders:a", message("m1", "a"), 7, false);
		assertThat(shortLeases.fetch(1, Duration.ofSeconds(1))).hasSize(1);

		first.lose();
		this.host.runPending();
		Thread.sleep(5);

		// RabbitMQ gave the message back already: a copy would deliver it twice.
		assertThat(shortLeases.leases().takeExpired()).isEmpty();
	}

	@Test
	void aChannelThatCannotBeOpenedIsTriedAgainAfterABackoff() throws Exception {
		this.host.failNextOpen();

		assertThat(this.session.fetch(1, Duration.ofMillis(20))).isEmpty();
		assertThat(this.host.opened.get()).isEqualTo(1);
		// Not before the backoff (100 ms)...
		MockChannel channel = this.host.willOpen();
		this.session.fetch(1, Duration.ZERO);
		assertThat(this.host.opened.get()).isEqualTo(1);
		// ...then at once.
		Thread.sleep(120);
		this.session.fetch(1, Duration.ZERO);
		this.host.runPending();
		assertThat(this.host.opened.get()).isEqualTo(2);
		assertThat(channel.consumedQueues()).contains("key:orders:a");
	}

	@Test
	void aConsumerThatFailsToSubscribeDropsTheChannelAndTheSessionReconnects() throws Exception {
		MockChannel first = this.host.willOpen();
		doThrow(new IOException("channel closed")).when(first.channel)
			.queueDeclare(eq("key:orders:b"), anyBoolean(), anyBoolean(), anyBoolean(), anyMap());
		this.session.fetch(1, Duration.ofMillis(20));
		this.host.runPending();

		MockChannel second = this.host.willOpen();
		this.session.fetch(1, Duration.ofMillis(20));
		this.host.runPending();

		assertThat(second.consumedQueues()).containsExactly("retry:orders", "key:orders:a", "key:orders:b");
	}

	private static AmqpMessages.Envelope message(String id, String key) {
		return new AmqpMessages.Envelope(id, Map.of(), id.getBytes(), new Scheduling(key, 1, List.of()), 0,
				System.currentTimeMillis());
	}

	/** A mocked channel that remembers its consumers and its shutdown listener. */
	static final class MockChannel {

		final Channel channel = mock(Channel.class);

		private final List<String> queues = new ArrayList<>();

		private final List<Consumer> consumers = new ArrayList<>();

		private final List<ShutdownListener> listeners = new ArrayList<>();

		private boolean open = true;

		MockChannel() throws IOException {
			when(this.channel.isOpen()).thenAnswer((invocation) -> this.open);
			AMQP.Queue.DeclareOk barrier = new AMQP.Queue.DeclareOk.Builder().queue("amq.gen-barrier").build();
			when(this.channel.queueDeclare(eq(""), eq(false), eq(true), eq(false), isNull())).thenReturn(barrier);
			when(this.channel.queueDeclare(anyString(), eq(true), eq(false), eq(false), anyMap()))
				.thenAnswer((invocation) -> new AMQP.Queue.DeclareOk.Builder().queue(invocation.getArgument(0))
					.messageCount(0)
					.consumerCount(0)
					.build());
			when(this.channel.basicConsume(anyString(), eq(false), any(Consumer.class))).thenAnswer((invocation) -> {
				this.queues.add(invocation.getArgument(0));
				this.consumers.add(invocation.getArgument(2));
				return "tag-" + this.queues.size();
			});
			doAnswer((invocation) -> {
				this.listeners.add(invocation.getArgument(0));
				return null;
			}).when(this.channel).addShutdownListener(any());
		}

		List<String> consumedQueues() {
			return this.queues;
		}

		/** RabbitMQ pushes a message to the consumer of a queue. */
		void deliver(String queue, AmqpMessages.Envelope message, long tag, boolean redelivered) throws IOException {
			Consumer consumer = this.consumers.get(this.queues.lastIndexOf(queue));
			consumer.handleDelivery("tag", new Envelope(tag, redelivered, "", queue), AmqpMessages.properties(message),
					message.payload());
		}

		/** The channel dies, as when RabbitMQ closes it or the connection drops. */
		void lose() {
			this.open = false;
			ShutdownSignalException signal = new ShutdownSignalException(false, false, null, this.channel);
			this.listeners.forEach((listener) -> listener.shutdownCompleted(signal));
		}

	}

	/**
	 * A host with two announced keys whose timer work runs when the test says, and whose
	 * channels are the mocks the test prepared.
	 */
	static final class FakeHost implements SessionHost {

		final AtomicInteger opened = new AtomicInteger();

		private final TokenBuckets throttles = new TokenBuckets();

		private final Deque<Object> toOpen = new ArrayDeque<>();

		private final Deque<Runnable> pending = new ConcurrentLinkedDeque<>();

		MockChannel willOpen() throws IOException {
			MockChannel channel = new MockChannel();
			this.toOpen.add(channel);
			return channel;
		}

		void failNextOpen() {
			this.toOpen.add(new IOException("connection refused"));
		}

		/** Runs the timer work queued so far, and what it queues in turn. */
		void runPending() {
			for (int i = 0; i < 100 && !this.pending.isEmpty(); i++) {
				this.pending.poll().run();
			}
		}

		@Override
		public synchronized Channel openChannel() throws IOException {
			this.opened.incrementAndGet();
			Object next = this.toOpen.poll();
			if (next instanceof IOException ex) {
				throw ex;
			}
			if (next == null) {
				throw new IOException("no channel prepared");
			}
			return ((MockChannel) next).channel;
		}

		@Override
		public long readyCount(String rabbitQueue) {
			return 0;
		}

		@Override
		public void execute(Runnable work) {
			this.pending.add(work);
		}

		@Override
		public String retryQueue(String queue) {
			return "retry:" + queue;
		}

		@Override
		public String keyQueue(String queue, String key) {
			return "key:" + queue + ":" + key;
		}

		@Override
		public Map<String, Object> keyQueueArguments(String queue) {
			return Map.of();
		}

		@Override
		public List<String> shardQueues(String queue) {
			return List.of();
		}

		@Override
		public Set<String> announcedKeys(String queue) {
			return new LinkedHashSet<>(List.of("a", "b"));
		}

		@Override
		public boolean expiring(String queue, String key) {
			return false;
		}

		@Override
		public int keyPrefetch(int consumedQueues) {
			return 10;
		}

		@Override
		public TokenBuckets throttles() {
			return this.throttles;
		}

	}

}
