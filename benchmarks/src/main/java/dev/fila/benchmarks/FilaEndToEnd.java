package dev.fila.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;
import dev.fila.core.QueueStats;
import dev.fila.driver.LeasedMessage;
import dev.fila.listener.Acknowledgement;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.listener.FilaMessageHandler;

/**
 * Fila end to end in a real Spring Boot context (web disabled): {@link FilaTemplate} on a
 * producer thread, the memory driver, a {@code @FilaListener} no-op method with concurrency 4
 * and prefetch 10, ack on return.
 */
final class FilaEndToEnd implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final FilaTemplate template;

	private final FilaAdmin admin;

	private final FilaListenerRegistry registry;

	private final BenchmarkListeners listeners;

	private final Map<Integer, Map<String, String>[]> headersByKeys = new HashMap<>();

	FilaEndToEnd(List<String> args) {
		this(Operations.NONE, args);
	}

	/**
	 * @param operations meters and observations on or off
	 * @param args more Spring Boot arguments ({@code --fila.*}...)
	 */
	FilaEndToEnd(Operations operations, List<String> args) {
		List<String> all = new ArrayList<>(operations.springArgs());
		all.addAll(args);
		SpringApplication application = new SpringApplication(BenchmarkApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		application.setLogStartupInfo(false);
		application.setDefaultProperties(Map.of("logging.level.root", "WARN"));
		this.context = application.run(all.toArray(String[]::new));
		this.template = this.context.getBean(FilaTemplate.class);
		this.admin = this.context.getBean(FilaAdmin.class);
		this.registry = this.context.getBean(FilaListenerRegistry.class);
		this.listeners = this.context.getBean(BenchmarkListeners.class);
	}

	private Map<String, String>[] headers(int keys) {
		return this.headersByKeys.computeIfAbsent(keys, Payloads::tenantHeaders);
	}

	/**
	 * One throughput round: the producer enqueues {@code messages} messages with round-robin
	 * tenants, in {@code enqueueAll} batches or one {@code enqueue} call each. With
	 * {@code maxBacklog > 0} it waits while that many are enqueued but not yet handled; without,
	 * it runs ahead and the queue may hold most of the round (the heap then grows by that much).
	 */
	RoundResult throughput(int keys, int batchSize, int messages, int maxBacklog, Duration timeout)
			throws InterruptedException {
		String queue = BenchmarkListeners.THROUGHPUT_QUEUE;
		if (!this.registry.isRunning(BenchmarkListeners.THROUGHPUT_CONSUMER)) {
			this.registry.start(BenchmarkListeners.THROUGHPUT_CONSUMER);
		}
		Map<String, String>[] headers = headers(keys);
		byte[] payload = Payloads.fixed();
		Countdown countdown = new Countdown(messages);
		this.listeners.expect(countdown);
		RoundResult result = Producers.flatOut(messages, countdown, timeout, () -> {
			if (batchSize <= 1) {
				for (int i = 0; i < messages; i++) {
					awaitBacklogBelow(maxBacklog, i, countdown);
					this.template.enqueue(queue, headers[i % keys], payload);
				}
				return;
			}
			for (int i = 0; i < messages; i += batchSize) {
				awaitBacklogBelow(maxBacklog, i, countdown);
				int size = Math.min(batchSize, messages - i);
				List<OutboundMessage> batch = new ArrayList<>(size);
				for (int j = i; j < i + size; j++) {
					batch.add(OutboundMessage.of(headers[j % keys], payload));
				}
				this.template.enqueueAll(queue, batch);
			}
		});
		if (!result.complete()) {
			this.admin.purge(queue);
		}
		QueueStats stats = settle(queue);
		if (stats.total() != 0) {
			throw new IllegalStateException("Queue '" + queue + "' not empty after a round: " + stats);
		}
		return result;
	}

	private static void awaitBacklogBelow(int maxBacklog, int sent, Countdown handled) {
		while (maxBacklog > 0 && sent - handled.count() > maxBacklog) {
			LockSupport.parkNanos(20_000);
		}
	}

	/**
	 * Latency probes at a fixed rate through the latency listener.
	 */
	LatencyRecorder latency(int keys, int perSecond, int warmup, int measured, Duration timeout)
			throws InterruptedException {
		String queue = BenchmarkListeners.LATENCY_QUEUE;
		this.registry.stop(BenchmarkListeners.THROUGHPUT_CONSUMER);
		this.registry.start(BenchmarkListeners.LATENCY_CONSUMER);
		Map<String, String>[] headers = headers(keys);
		LatencyRecorder recorder = new LatencyRecorder(warmup, measured);
		this.listeners.expect(recorder);
		int[] sent = new int[1];
		Thread producer = Producers.paced(recorder.total(), perSecond,
				(probe) -> this.template.enqueue(queue, headers[sent[0]++ % keys], probe));
		producer.join();
		if (!recorder.await(timeout)) {
			throw new IllegalStateException(
					"Fila latency run received only " + recorder.received() + " of " + recorder.total() + " probes");
		}
		settle(queue);
		this.registry.stop(BenchmarkListeners.LATENCY_CONSUMER);
		return recorder;
	}

	/**
	 * Waits until the last acks landed (a handler counts before its ack), then returns the stats.
	 */
	QueueStats settle(String queue) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		QueueStats stats = this.admin.stats(queue);
		while (stats.total() != 0 && System.nanoTime() < deadline) {
			Thread.sleep(1);
			stats = this.admin.stats(queue);
		}
		return stats;
	}

	/**
	 * Calls the real {@code @FilaListener} adapter of the throughput consumer directly, on this
	 * thread, without the container's threads or the driver.
	 * @param calls how many calls to time (as many again warm up)
	 * @return nanoseconds per call
	 */
	double handlerAdapterNanos(int calls) throws Exception {
		FilaMessageHandler handler = this.registry.getContainer(BenchmarkListeners.THROUGHPUT_CONSUMER).getHandler();
		LeasedMessage message = sampleMessage();
		Acknowledgement acknowledgement = new Acknowledgement() {
			@Override
			public void ack() {
			}

			@Override
			public void nack(String error) {
			}
		};
		this.listeners.expect(new Countdown(Long.MAX_VALUE));
		for (int i = 0; i < calls; i++) {
			handler.handle(message, acknowledgement);
		}
		long start = System.nanoTime();
		for (int i = 0; i < calls; i++) {
			handler.handle(message, acknowledgement);
		}
		return (double) (System.nanoTime() - start) / calls;
	}

	private static LeasedMessage sampleMessage() {
		return new LeasedMessage(dev.fila.driver.MessageIds.next(), BenchmarkListeners.THROUGHPUT_QUEUE,
				Map.of(TenantQueuePolicyFactory.TENANT_HEADER, "tenant-1"), Payloads.fixed(), "tenant-1", 1, List.of(),
				1, java.time.Instant.now(), "1");
	}

	/**
	 * @return what the application has of Micrometer and Fila's recorders, to check that an
	 * operations mode did what it says
	 */
	String operationsSummary() {
		String meterRegistries = String.join(", ", this.context.getBeanNamesForType(MeterRegistry.class));
		String observationRegistries = String.join(", ", this.context.getBeanNamesForType(ObservationRegistry.class));
		String recorders = String.join(", ", this.context.getBeanNamesForType(FilaMetricsRecorder.class));
		return "MeterRegistry beans [" + meterRegistries + "], ObservationRegistry beans [" + observationRegistries
				+ "], FilaMetricsRecorder beans [" + recorders + "]";
	}

	QueueStats stats(String queue) {
		return this.admin.stats(queue);
	}

	@Override
	public void close() {
		this.context.close();
	}

}
