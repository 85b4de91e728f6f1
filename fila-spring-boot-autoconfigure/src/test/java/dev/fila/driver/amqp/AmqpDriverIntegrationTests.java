package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.MessageIds;
import dev.fila.driver.OutgoingMessage;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The AMQP driver against the shared driver contract, on the real RabbitMQ.
 */
class AmqpDriverIntegrationTests extends AmqpContractTests {

	@Override
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
	}

	/**
	 * A pause must not leave messages unacked in this instance for as long as it lasts: past
	 * RabbitMQ's consumer_timeout the channel would close under every other key's handlers.
	 * The paused key's messages (and a paused queue's) go back to RabbitMQ, counting no attempt.
	 */
	@Test
	void pausedMessagesWaitInRabbitMqNotUnackedInTheInstance() throws Exception {
		AmqpDriver amqp = (AmqpDriver) this.driver;
		String queue = createQueue();
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(message("p" + i, "paused"));
			batch.add(message("f" + i, "free"));
		}
		amqp.enqueue(queue, batch);
		List<LeasedMessage> first = amqp.fetch(queue, 1, Duration.ofSeconds(2));
		assertThat(first).hasSize(1);
		amqp.ack(first.get(0));
		amqp.applyFlow(queue, new QueueFlow(false, Set.of("paused"), Map.of()));
		String pausedQueue = amqp.keyQueue(queue, "paused");
		long pausedLeft = 5 - (first.get(0).fairnessKey().equals("paused") ? 1 : 0);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(amqp.channels().readyCount(pausedQueue)).isEqualTo(pausedLeft));
		amqp.applyFlow(queue, new QueueFlow(true, Set.of("paused"), Map.of()));
		String freeQueue = amqp.keyQueue(queue, "free");
		long freeLeft = 5 - (first.get(0).fairnessKey().equals("free") ? 1 : 0);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(amqp.channels().readyCount(freeQueue)).isEqualTo(freeLeft));
		assertThat(amqp.fetch(queue, 10, Duration.ofMillis(300))).isEmpty();
		amqp.applyFlow(queue, QueueFlow.NONE);
		List<LeasedMessage> rest = new ArrayList<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (rest.size() < 9 && System.nanoTime() < deadline) {
			rest.addAll(amqp.fetch(queue, 10, Duration.ofMillis(200)));
		}
		assertThat(rest).hasSize(9).allSatisfy((message) -> assertThat(message.attempts()).isEqualTo(1));
	}

	/**
	 * Retries and delayed messages of every key share the retry queue's prefetch: a key at its
	 * in-flight limit must not keep what reached it that way, or other keys' retries wait for
	 * its handlers.
	 */
	@Test
	void aKeyAtItsLimitDoesNotHoldTheRetryQueueFromOtherKeys() throws Exception {
		AmqpDriver amqp = (AmqpDriver) this.driver;
		String queue = createQueue();
		amqp.applyFlow(queue, new QueueFlow(false, Set.of(), Map.of(), 0, Map.of("slow", 1), 0));
		amqp.enqueue(queue, List.of(message("first", "slow")));
		LeasedMessage held = fetchOne(queue);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 150; i++) {
			batch.add(delayed("slow" + i, "slow"));
		}
		for (int i = 0; i < 3; i++) {
			batch.add(delayed("other" + i, "other"));
		}
		amqp.enqueue(queue, batch);
		List<LeasedMessage> others = new ArrayList<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (others.size() < 3 && System.nanoTime() < deadline) {
			for (LeasedMessage message : amqp.fetch(queue, 10, Duration.ofMillis(200))) {
				assertThat(message.fairnessKey()).as("the limited key while one of its messages is leased")
					.isEqualTo("other");
				others.add(message);
				amqp.ack(message);
			}
		}
		assertThat(others).hasSize(3);
		assertThat(amqp.ack(held)).isTrue();
		List<LeasedMessage> slow = new ArrayList<>();
		deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (slow.size() < 150 && System.nanoTime() < deadline) {
			for (LeasedMessage message : amqp.fetch(queue, 10, Duration.ofMillis(200))) {
				slow.add(message);
				amqp.ack(message);
			}
		}
		assertThat(slow).hasSize(150).allSatisfy((message) -> assertThat(message.attempts()).isEqualTo(1));
	}

	private static OutgoingMessage delayed(String payload, String key) {
		return new OutgoingMessage(MessageIds.next(), Map.of(), payload.getBytes(StandardCharsets.UTF_8),
				new Scheduling(key, 1, List.of()), Duration.ofMillis(20));
	}

	@Test
	void keyQueueDeletedUnderTrafficLosesNothing() throws Exception {
		String queue = createQueue();
		List<String> sent = new ArrayList<>(this.driver.enqueue(queue, List.of(message("before", "k"))));
		Set<String> received = new HashSet<>();
		LeasedMessage first = fetchOne(queue);
		received.add(first.id());
		this.driver.ack(first);
		// What an idle-key expiry (or an operator) does: the key queue disappears while in use.
		try (var connection = this.connectionFactory.createConnection()) {
			var channel = connection.createChannel(false);
			channel.queueDelete(new AmqpNames(this.prefix).keyQueue(queue, "k"));
			channel.close();
		}
		for (int i = 0; i < 20; i++) {
			sent.addAll(this.driver.enqueue(queue, List.of(message("after" + i, "k"))));
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!received.containsAll(sent) && System.nanoTime() < deadline) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofMillis(200))) {
				received.add(message.id());
				this.driver.ack(message);
			}
		}
		assertThat(received).containsAll(sent);
	}

	@Test
	void keysThatLookLikeOtherQueuesOrNeedEscapingGetQueuesOfTheirOwn() throws Exception {
		String queue = createQueue();
		// Names RabbitMQ must take: keys that spell other kinds of queues, escaped keys
		// (":", "%", "#", unicode) and a key too long for a name of its own (hashed).
		List<String> keys = List.of("retry", "x.delay.100", "tenant:42 ü/%#", "k".repeat(300), "\uD83D\uDE00");
		Set<String> sent = new HashSet<>();
		for (String key : keys) {
			sent.addAll(this.driver.enqueue(queue, List.of(message(key, key))));
		}
		Set<String> keyQueues = new HashSet<>();
		for (String key : keys) {
			keyQueues.add(((AmqpDriver) this.driver).keyQueue(queue, key));
		}
		assertThat(keyQueues).hasSize(keys.size());
		Set<String> received = new HashSet<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!received.containsAll(sent) && System.nanoTime() < deadline) {
			for (LeasedMessage message : this.driver.fetch(queue, 10, Duration.ofMillis(200))) {
				assertThat(new String(message.payload(), java.nio.charset.StandardCharsets.UTF_8))
					.isEqualTo(message.fairnessKey());
				received.add(message.id());
				this.driver.ack(message);
			}
		}
		assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
	}

}
