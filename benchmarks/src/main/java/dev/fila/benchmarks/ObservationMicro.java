package dev.fila.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;

import dev.fila.driver.LeasedMessage;
import dev.fila.observation.DefaultFilaListenerObservationConvention;
import dev.fila.observation.FilaListenerContext;
import dev.fila.observation.FilaObservationDocumentation;

/**
 * What one {@code fila.listener} observation costs, on one thread, with the registries an
 * application may have: none, one whose handlers ignore Fila's contexts, Fila's observations
 * turned off by a predicate, Spring Boot's default meter handler (with and without its
 * long-task timer). Each case runs the container's sequence: create, start, open a scope,
 * close it, stop.
 * <p>
 * {@code java -cp benchmarks/target/fila-benchmarks.jar dev.fila.benchmarks.ObservationMicro}
 */
public final class ObservationMicro {

	private static final int CALLS = 2_000_000;

	private static final int ROUNDS = 5;

	/** As a listener container has it: its own instance, which keeps the consumer's tags. */
	private static final DefaultFilaListenerObservationConvention CONVENTION = new DefaultFilaListenerObservationConvention();

	private ObservationMicro() {
	}

	public static void main(String[] args) {
		Map<String, Supplier<ObservationRegistry>> cases = new LinkedHashMap<>();
		cases.put("ObservationRegistry.NOOP (no actuator)", () -> ObservationRegistry.NOOP);
		cases.put("a handler that supports no Fila context", () -> {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new OtherContextsHandler());
			return registry;
		});
		cases.put("management.observations.enable.fila=false (a predicate)", () -> {
			ObservationRegistry registry = meterHandler(new SimpleMeterRegistry());
			registry.observationConfig().observationPredicate((name, context) -> !name.startsWith("fila"));
			return registry;
		});
		cases.put("DefaultMeterObservationHandler (Spring Boot's default)", () -> meterHandler(new SimpleMeterRegistry()));
		cases.put("DefaultMeterObservationHandler without the long-task timer", () -> {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig()
				.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
						new DefaultMeterObservationHandler(new SimpleMeterRegistry(), IgnoredMeters.LONG_TASK_TIMER)));
			return registry;
		});
		LeasedMessage message = new LeasedMessage("id-1", BenchmarkListeners.THROUGHPUT_QUEUE,
				Map.of(TenantQueuePolicyFactory.TENANT_HEADER, "tenant-1"), Payloads.fixed(), "tenant-1", 1, List.of(),
				1, Instant.now(), "1");
		System.out.println("| Registry | ns per fila.listener observation | bytes allocated per observation |");
		System.out.println("| --- | ---: | ---: |");
		for (Map.Entry<String, Supplier<ObservationRegistry>> entry : cases.entrySet()) {
			ObservationRegistry registry = entry.getValue().get();
			List<Double> nanos = new ArrayList<>();
			List<Double> bytes = new ArrayList<>();
			observe(registry, message, CALLS); // warm-up
			for (int round = 0; round < ROUNDS; round++) {
				long allocated = CpuProbe.currentThreadAllocatedBytes();
				long start = System.nanoTime();
				observe(registry, message, CALLS);
				nanos.add((double) (System.nanoTime() - start) / CALLS);
				bytes.add((double) (CpuProbe.currentThreadAllocatedBytes() - allocated) / CALLS);
			}
			System.out.println(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f |", entry.getKey(),
					Stats.median(nanos.stream().mapToDouble(Double::doubleValue).toArray()),
					Stats.median(bytes.stream().mapToDouble(Double::doubleValue).toArray())));
		}
	}

	static ObservationRegistry meterHandler(SimpleMeterRegistry meterRegistry) {
		ObservationRegistry registry = ObservationRegistry.create();
		// As Spring Boot registers it: in a first-matching group of meter handlers.
		registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new DefaultMeterObservationHandler(meterRegistry)));
		return registry;
	}

	private static void observe(ObservationRegistry registry, LeasedMessage message, int calls) {
		for (int i = 0; i < calls; i++) {
			Observation observation = FilaObservationDocumentation.LISTENER
				.observation(null, CONVENTION,
						() -> new FilaListenerContext(message, "consumer", "memory"), registry)
				.start();
			try (Observation.Scope scope = observation.openScope()) {
				Blackhole.consume(scope);
			}
			finally {
				observation.stop();
			}
		}
	}

	/** Keeps a value alive so the JIT cannot drop the work. */
	static final class Blackhole {

		static volatile Object sink;

		static void consume(Object value) {
			if (value.hashCode() == 0x5eed) {
				sink = value;
			}
		}

	}

	/** A handler for some other kind of observation, e.g. HTTP server requests. */
	private static final class OtherContextsHandler implements ObservationHandler<Observation.Context> {

		@Override
		public boolean supportsContext(Observation.Context context) {
			return !(context instanceof FilaListenerContext);
		}

	}

}
