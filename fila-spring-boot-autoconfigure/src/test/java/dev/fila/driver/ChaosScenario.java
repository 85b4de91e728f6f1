package dev.fila.driver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.io.DefaultResourceLoader;

import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.MessageTooLargeException;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.lua.LuaObserver;
import dev.fila.lua.LuaQueuePolicyFactory;
import dev.fila.lua.LuaSettings;
import dev.fila.policy.EnqueueContext;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueBinding;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A fault-injection run against one driver: producers enqueue numbered messages through the
 * queue's hooks (both hostile: {@code on_enqueue} loops forever on some messages,
 * {@code on_failure} loops or answers a result that loops when read), two consumers
 * handle them with handlers that fail at random, and meanwhile the test injects faults one
 * after another: the driver's own (connections killed, the backend paused) and the
 * library's (a consumer stopped and started under load, a batch with one oversized message).
 * At the end every message was
 * handled successfully (lost = 0), every consumer delivers again after the last fault, and
 * the extra deliveries stay within {@code prefetch + concurrency} per consumer and fault.
 * The counts are printed (a line starting with "Chaos").
 */
public final class ChaosScenario {

	private static final Logger logger = LoggerFactory.getLogger(ChaosScenario.class);

	static final int CONCURRENCY = 3;

	static final int PREFETCH = 5;

	/** Runs on every message: the fairness key from a header, and a loop for the "evil" ones. */
	private static final String ON_ENQUEUE = """
			function on_enqueue(msg)
			  if msg.headers.evil == "1" then
			    while true do end
			  end
			  return { fairness_key = msg.headers.tenant, weight = 1 }
			end
			""";

	/**
	 * Decides retries: a short delay, except on every third attempt, where it answers a result
	 * whose fields run forever when read, or loops itself: both must end as the retry settings.
	 */
	private static final String ON_FAILURE = """
			function on_failure(msg)
			  if msg.attempts % 3 == 0 then
			    return setmetatable({}, { __index = function() while true do end end })
			  elseif msg.attempts % 3 == 2 and msg.headers.tenant == "t3" then
			    while true do end
			  end
			  return { action = "retry", delay_ms = 10 }
			end
			""";

	private final FilaDriver driver;

	private final String queue = "chaos-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<Fault> faults = new ArrayList<>();

	private final Set<Integer> handled = ConcurrentHashMap.newKeySet();

	private final AtomicLong successes = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final Map<String, AtomicInteger> deliveriesByConsumer = new ConcurrentHashMap<>();

	private int enqueued;

	private int refusedEnqueues;

	/** A fault to inject, with the name it has in the output. */
	public record Fault(String name, FaultAction action) {
	}

	/** Injects a fault; may block while the fault lasts. */
	@FunctionalInterface
	public interface FaultAction {

		void inject() throws Exception;

	}

	/**
	 * @param driver the driver under test, connected to its backend
	 */
	public ChaosScenario(FilaDriver driver) {
		this.driver = driver;
	}

	/**
	 * @param name names the fault in the output
	 * @param action injects it
	 * @return this scenario
	 */
	public ChaosScenario fault(String name, FaultAction action) {
		this.faults.add(new Fault(name, action));
		return this;
	}

	/** @return the queue the scenario uses */
	public String queue() {
		return this.queue;
	}

	/**
	 * Runs the scenario and asserts its outcome.
	 * @param messages how many messages to send, spread over the faults
	 * @throws Exception when a fault cannot be injected
	 */
	public void run(int messages) throws Exception {
		QueueDefinition definition = new QueueDefinition(this.queue, null, Duration.ofSeconds(2), 1, true,
				new RetryPolicy(100, Duration.ofMillis(10), 2, Duration.ofMillis(100)), ON_ENQUEUE, ON_FAILURE);
		LuaQueuePolicyFactory policies = new LuaQueuePolicyFactory(new DefaultResourceLoader(),
				new InMemoryRuntimeConfig(Map.of()), LuaSettings.DEFAULTS, LuaObserver.NONE);
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of(this.driver.name(), this.driver), this.driver.name()),
				Map.of(this.queue, definition), policies);
		QueueBinding binding = queues.binding(this.queue);
		try (FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of())) {
			List<FilaListenerContainer> consumers = List.of(consumer(factory), consumer(factory));
			consumers.forEach(FilaListenerContainer::start);
			try {
				runWithConsumers(binding, consumers, messages);
			}
			finally {
				consumers.forEach(FilaListenerContainer::stop);
				this.driver.deleteQueue(this.queue);
				this.driver.deleteQueue(this.queue + ".dlq");
			}
		}
	}

	private void runWithConsumers(QueueBinding binding, List<FilaListenerContainer> consumers, int messages)
			throws Exception {
		int perStep = Math.max(1, messages / (this.faults.size() + 2));
		send(binding, perStep);
		FilaListenerContainer restarted = consumers.get(1);
		List<String> injected = new ArrayList<>();
		for (Fault fault : this.faults) {
			await().atMost(Duration.ofSeconds(60)).until(() -> this.handled.size() >= this.enqueued / 2);
			logger.info("Chaos on queue '{}': injecting '{}' ({} of {} handled)", this.queue, fault.name(),
					this.handled.size(), this.enqueued);
			fault.action().inject();
			injected.add(fault.name());
			send(binding, perStep);
		}
		// The library's own faults: a consumer stopped and started under load, and a batch
		// with one oversized message, refused whole before anything of it is sent.
		restarted.stop();
		send(binding, perStep);
		restarted.start();
		injected.add("consumer stop/start");
		sendOversizedBatch();
		injected.add("oversized batch");
		send(binding, Math.max(0, messages - this.enqueued));
		int total = this.enqueued;
		await().atMost(Duration.ofSeconds(120)).until(() -> this.handled.size() == total);
		// Every consumer delivers again after the last fault.
		this.deliveriesByConsumer.clear();
		send(binding, 40);
		int finalTotal = this.enqueued;
		await().atMost(Duration.ofSeconds(60)).until(() -> this.handled.size() == finalTotal);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.driver.stats(this.queue).total() == 0);
		long duplicates = this.successes.get() - finalTotal;
		long bound = (long) injected.size() * consumers.size() * (PREFETCH + CONCURRENCY);
		String summary = String.format(
				"Chaos %s: faults %s; sent %d, refused %d, handled %d, lost %d, handler failures %d, duplicates %d "
						+ "(bound %d), dead-lettered %d, deliveries after the last fault %s",
				this.driver.type(), injected, finalTotal, this.refusedEnqueues, this.handled.size(),
				finalTotal - this.handled.size(), this.failures.get(), duplicates, bound,
				this.driver.stats(this.queue + ".dlq").total(), this.deliveriesByConsumer);
		System.out.println(summary);
		logger.info(summary);
		assertThat(this.handled).hasSize(finalTotal).allMatch((number) -> number >= 0);
		assertThat(this.driver.stats(this.queue + ".dlq").total()).isZero();
		assertThat(duplicates).isLessThanOrEqualTo(bound);
		for (FilaListenerContainer consumer : consumers) {
			assertThat(consumer.isRunning()).isTrue();
		}
		assertThat(this.deliveriesByConsumer).as("consumers delivering after the last fault").hasSize(consumers.size());
	}

	private FilaListenerContainer consumer(FilaListenerContainerFactory factory) {
		String id = "chaos-" + UUID.randomUUID().toString().substring(0, 8);
		return factory.create(new FilaListenerEndpoint(id,
				new ConsumerConfig(this.queue, CONCURRENCY, PREFETCH, true, Duration.ofSeconds(5)), "chaos",
				(message, ack) -> {
					this.deliveriesByConsumer.computeIfAbsent(id, (key) -> new AtomicInteger()).incrementAndGet();
					if (ThreadLocalRandom.current().nextInt(5) == 0) {
						this.failures.incrementAndGet();
						throw new IllegalStateException("random failure");
					}
					Thread.sleep(ThreadLocalRandom.current().nextInt(3));
					this.handled.add(Integer.parseInt(new String(message.payload(), StandardCharsets.UTF_8)));
					this.successes.incrementAndGet();
				}));
	}

	/** Enqueues numbered messages in batches; every 50th is "evil" (its hook loops). */
	private void send(QueueBinding binding, int count) {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int number = this.enqueued + batch.size();
			Map<String, String> headers = Map.of("tenant", "t" + (number % 7), "evil", (number % 50 == 0) ? "1" : "0");
			byte[] payload = Integer.toString(number).getBytes(StandardCharsets.UTF_8);
			batch.add(new OutgoingMessage(headers, payload, binding.enqueuePolicy().schedule(
					new EnqueueContext(this.queue, headers, payload.length))));
			if (batch.size() == 25 || i == count - 1) {
				enqueueWithRetry(batch);
				batch = new ArrayList<>();
			}
		}
	}

	/** Five messages numbered below zero, the third with 2 MiB of headers: none may arrive. */
	private void sendOversizedBatch() {
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 1; i <= 5; i++) {
			Map<String, String> headers = Map.of("tenant", "t1", "big", (i == 3) ? "x".repeat(2 << 20) : "");
			batch.add(new OutgoingMessage(headers, Integer.toString(-i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("t1", 1, List.of())));
		}
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.driver.enqueue(this.queue, batch))
			.satisfies((ex) -> assertThat(ex.getIndex()).isEqualTo(2));
	}

	/** A producer retries a batch the backend refused while a fault lasts (it was not enqueued). */
	private void enqueueWithRetry(List<OutgoingMessage> batch) {
		for (int attempt = 1;; attempt++) {
			try {
				this.driver.enqueue(this.queue, batch);
				this.enqueued += batch.size();
				return;
			}
			catch (RuntimeException ex) {
				this.refusedEnqueues++;
				if (attempt == 30) {
					throw ex;
				}
				sleep(500);
			}
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
