package dev.fila.observation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Producer and consumer observations with a tracer: the consumer's span is a child of the
 * producer's, through the message headers.
 */
class FilaObservationTests {

	private final SimpleTracer tracer = new SimpleTracer();

	private final SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();

	private final ObservationRegistry observationRegistry = ObservationRegistry.create();

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"), Map.of(),
			new DefaultQueuePolicyFactory());

	private final DefaultFilaTemplate template = new DefaultFilaTemplate(this.queues,
			new FilaPayloadConverter(JsonMapper.builder().build()));

	private final FilaListenerContainerFactory factory = new FilaListenerContainerFactory(this.queues, Map.of());

	private @Nullable FilaListenerContainer container;

	FilaObservationTests() {
		HeaderPropagator propagator = new HeaderPropagator(this.tracer);
		this.observationRegistry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(this.tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(this.tracer, propagator),
					new DefaultTracingObservationHandler(this.tracer)))
			.observationHandler(new DefaultMeterObservationHandler(this.meterRegistry));
		this.template.setObservationRegistry(this.observationRegistry);
		this.factory.setObservationRegistry(this.observationRegistry);
	}

	@AfterEach
	void close() {
		if (this.container != null) {
			this.container.stop();
		}
		this.factory.close();
		this.driver.close();
	}

	private FilaListenerContainer consume(String queue, dev.fila.listener.FilaMessageHandler handler) {
		this.container = this.factory.create(new FilaListenerEndpoint("worker",
				new ConsumerConfig(queue, 1, 1, true, Duration.ofSeconds(2)), "test", handler));
		this.container.start();
		return this.container;
	}

	@Test
	void consumerSpanIsAChildOfTheEnqueueSpan() throws Exception {
		BlockingQueue<Span> handlerSpans = new LinkedBlockingQueue<>();
		consume("orders", (message, ack) -> handlerSpans.add(this.tracer.currentSpan()));
		// The producer runs inside some observation, e.g. an HTTP request's.
		Observation.createNotStarted("checkout", this.observationRegistry)
			.observe(() -> this.template.enqueue("orders", Map.of("tenant", "acme"), "order"));
		Span inHandler = handlerSpans.poll(5, TimeUnit.SECONDS);
		assertThat(inHandler).isNotNull();
		await().atMost(Duration.ofSeconds(2)).until(() -> this.tracer.getSpans().size() == 3);
		SimpleSpan checkout = span("checkout");
		SimpleSpan send = span("orders send");
		SimpleSpan process = span("orders process");
		assertThat(send.getTraceId()).isEqualTo(checkout.getTraceId());
		assertThat(send.getParentId()).isEqualTo(checkout.getSpanId());
		assertThat(process.getTraceId()).isEqualTo(checkout.getTraceId());
		assertThat(process.getParentId()).isEqualTo(send.getSpanId());
		assertThat(inHandler.context().spanId()).isEqualTo(process.getSpanId());
		assertThat(send.getKind()).isEqualTo(Span.Kind.PRODUCER);
		assertThat(process.getKind()).isEqualTo(Span.Kind.CONSUMER);
		assertThat(send.getTags()).containsEntry("queue", "orders").containsEntry("driver", "memory")
			.containsKey("fila.message.id");
		assertThat(process.getTags()).containsEntry("consumer", "worker").containsEntry("fila.attempts", "1");
	}

	@Test
	void observationsAreTimedWithBoundedTags() {
		BlockingQueue<String> handled = new LinkedBlockingQueue<>();
		consume("orders", (message, ack) -> handled.add(message.id()));
		this.template.enqueueAll("orders", List.of(OutboundMessage.of("a"), OutboundMessage.of("b")));
		await().atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 2);
		assertThat(this.meterRegistry.get("fila.enqueue").tags("queue", "orders", "driver", "memory").timer().count())
			.isEqualTo(1);
		await().atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.meterRegistry.get("fila.listener")
				.tags("queue", "orders", "driver", "memory", "consumer", "worker")
				.timer()
				.count()).isEqualTo(2));
	}

	@Test
	void failingHandlerMarksItsSpanWithTheError() {
		consume("failing", (message, ack) -> {
			throw new IllegalStateException("boom");
		});
		this.template.enqueue("failing", "x");
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.tracer.getSpans().stream().anyMatch((span) -> span.getError() != null));
		SimpleSpan process = this.tracer.getSpans()
			.stream()
			.filter((span) -> span.getError() != null)
			.findFirst()
			.orElseThrow();
		assertThat(process.getName()).isEqualTo("failing process");
		assertThat(process.getError()).hasMessage("boom");
	}

	@Test
	void pulledMessagesCarryTheTraceContextInTheirHeaders() {
		this.template.enqueue("pulled", "x");
		FilaDelivery delivery = this.template.receive("pulled", Duration.ofSeconds(1)).orElseThrow();
		assertThat(delivery.headers()).containsEntry(HeaderPropagator.TRACE, span("pulled send").getTraceId())
			.containsEntry(HeaderPropagator.SPAN, span("pulled send").getSpanId());
		delivery.ack();
	}

	@Test
	void withoutARegistryNothingIsAddedToHeaders() {
		FilaTemplate plain = new DefaultFilaTemplate(this.queues, new FilaPayloadConverter(JsonMapper.builder().build()));
		plain.enqueue("plain", Map.of("a", "b"), "x");
		assertThat(plain.receive("plain", Duration.ofSeconds(1)).orElseThrow().headers()).containsOnlyKeys("a");
	}

	@Test
	void withTheListenerObservationTurnedOffHandlerObservationsAreRoots() throws Exception {
		this.observationRegistry.observationConfig()
			.observationPredicate((name, context) -> !"fila.listener".equals(name));
		BlockingQueue<Observation.Context> inner = new LinkedBlockingQueue<>();
		consume("quiet", (message, ack) -> Observation.createNotStarted("inner", this.observationRegistry)
			.observe(() -> inner.add(this.observationRegistry.getCurrentObservation().getContext())));
		this.template.enqueue("quiet", "x");
		Observation.Context context = inner.poll(5, TimeUnit.SECONDS);
		assertThat(context).isNotNull();
		assertThat(context.getParentObservation()).isNull();
		assertThat(this.tracer.getSpans()).extracting(SimpleSpan::getName).doesNotContain("quiet process");
	}

	@Test
	void observationsAreOffByDefaultAsSpringKafkasAre() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, FilaAutoConfiguration.class))
			.withBean(RecordingHandler.class)
			.withBean(RecordingListener.class)
			.run((context) -> {
				context.getBean(FilaTemplate.class).enqueue("jobs", "x");
				await().atMost(Duration.ofSeconds(5))
					.until(() -> context.getBean(RecordingListener.class).received.get() == 1);
				assertThat(context.getBean(RecordingHandler.class).names).doesNotContain("fila.enqueue",
						"fila.listener");
			});
	}

	@Test
	void eachObservationIsTurnedOnByItsOwnProperty() {
		contextRunner().withPropertyValues("fila.listener.observation-enabled=false").run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("jobs", "x");
			await().atMost(Duration.ofSeconds(5))
				.until(() -> context.getBean(RecordingListener.class).received.get() == 1);
			assertThat(context.getBean(RecordingHandler.class).names).contains("fila.enqueue")
				.doesNotContain("fila.listener");
		});
	}

	@Test
	void autoConfiguredTemplateAndConsumersUseTheApplicationsObservationRegistry() {
		contextRunner().run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("jobs", "x");
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(context.getBean(RecordingHandler.class).names).contains("fila.enqueue",
						"fila.listener"));
		});
	}

	@Test
	void observationsCanBeTurnedOffWithSpringBootsProperty() {
		contextRunner().withPropertyValues("management.observations.enable.fila=false").run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("jobs", "x");
			await().atMost(Duration.ofSeconds(5))
				.until(() -> context.getBean(RecordingListener.class).received.get() == 1);
			assertThat(context.getBean(RecordingHandler.class).names).doesNotContain("fila.enqueue", "fila.listener");
		});
	}

	@Test
	void theListenerObservationAloneCanBeTurnedOff() {
		contextRunner().withPropertyValues("management.observations.enable.fila.listener=false").run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("jobs", "x");
			await().atMost(Duration.ofSeconds(5))
				.until(() -> context.getBean(RecordingListener.class).received.get() == 1);
			assertThat(context.getBean(RecordingHandler.class).names).contains("fila.enqueue")
				.doesNotContain("fila.listener");
		});
	}

	private static ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, FilaAutoConfiguration.class))
			.withPropertyValues("fila.template.observation-enabled=true", "fila.listener.observation-enabled=true")
			.withBean(RecordingHandler.class)
			.withBean(RecordingListener.class);
	}

	static class RecordingHandler implements ObservationHandler<Observation.Context> {

		final List<String> names = new CopyOnWriteArrayList<>();

		@Override
		public void onStart(Observation.Context context) {
			this.names.add(context.getName());
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

	}

	static class RecordingListener {

		final AtomicInteger received = new AtomicInteger();

		@FilaListener(queue = "jobs", id = "jobs-worker")
		void handle(String payload) {
			this.received.incrementAndGet();
		}

	}

	private SimpleSpan span(String name) {
		return this.tracer.getSpans()
			.stream()
			.filter((span) -> name.equals(span.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No span '" + name + "' in " + this.tracer.getSpans()));
	}

	/** Writes the trace and span ids into two headers, as a W3C or B3 propagator would. */
	static final class HeaderPropagator implements Propagator {

		static final String TRACE = "test-trace-id";

		static final String SPAN = "test-span-id";

		private final SimpleTracer tracer;

		HeaderPropagator(SimpleTracer tracer) {
			this.tracer = tracer;
		}

		@Override
		public List<String> fields() {
			return List.of(TRACE, SPAN);
		}

		@Override
		public <C> void inject(TraceContext context, @Nullable C carrier, Setter<C> setter) {
			setter.set(carrier, TRACE, context.traceId());
			setter.set(carrier, SPAN, context.spanId());
		}

		@Override
		public <C> Span.Builder extract(C carrier, Getter<C> getter) {
			String traceId = getter.get(carrier, TRACE);
			String spanId = getter.get(carrier, SPAN);
			if (traceId == null || spanId == null) {
				return this.tracer.spanBuilder();
			}
			TraceContext parent = this.tracer.traceContextBuilder().traceId(traceId).spanId(spanId).sampled(true).build();
			return this.tracer.spanBuilder().setParent(parent);
		}

	}

}
