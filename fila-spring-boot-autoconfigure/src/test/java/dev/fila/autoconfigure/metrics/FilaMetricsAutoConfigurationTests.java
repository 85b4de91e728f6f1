package dev.fila.autoconfigure.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.util.ReflectionTestUtils;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.DeadLetterException;
import dev.fila.metrics.FilaQueueMetrics;
import dev.fila.metrics.MicrometerFilaMetricsRecorder;
import dev.fila.metrics.MicrometerLuaObserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FilaMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(FilaAutoConfiguration.class, FilaMetricsAutoConfiguration.class));

	@Test
	void metersWhenAMeterRegistryIsConfigured() {
		this.contextRunner.withUserConfiguration(RegistryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(MicrometerFilaMetricsRecorder.class)
				.hasSingleBean(MicrometerLuaObserver.class)
				.hasSingleBean(FilaQueueMetrics.class);
			assertThat(context.getBean(FilaQueueMetrics.class).isRunning()).isTrue();
			assertThat(ReflectionTestUtils.getField(context.getBean(FilaQueueMetrics.class), "refreshInterval"))
				.isEqualTo(Duration.ofSeconds(5));
		});
	}

	@Test
	void refreshIntervalIsConfigurable() {
		this.contextRunner.withUserConfiguration(RegistryConfiguration.class)
			.withPropertyValues("fila.metrics.refresh-interval=250ms")
			.run((context) -> assertThat(
					ReflectionTestUtils.getField(context.getBean(FilaQueueMetrics.class), "refreshInterval"))
				.isEqualTo(Duration.ofMillis(250)));
	}

	@Test
	void noMetersWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(FilaTemplate.class)
			.doesNotHaveBean(MicrometerFilaMetricsRecorder.class)
			.doesNotHaveBean(MicrometerLuaObserver.class)
			.doesNotHaveBean(FilaQueueMetrics.class));
	}

	@Test
	void noMetersAndAWorkingStarterWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(FilaTemplate.class)
					.doesNotHaveBean(MicrometerFilaMetricsRecorder.class)
					.doesNotHaveBean(FilaQueueMetrics.class);
				context.getBean(FilaTemplate.class).enqueue("jobs", "still works");
			});
	}

	@Test
	void userMetricsRecorderWins() {
		this.contextRunner.withUserConfiguration(RegistryConfiguration.class, CustomRecorderConfiguration.class)
			.run((context) -> assertThat(context).getBean(MicrometerFilaMetricsRecorder.class)
				.isSameAs(context.getBean(CustomRecorderConfiguration.class).recorder));
	}

	@Test
	void metersCountAKnownWorkload() {
		this.contextRunner.withUserConfiguration(RegistryConfiguration.class, Listeners.class)
			.withPropertyValues("fila.metrics.refresh-interval=1h",
					"fila.queues.orders.on-enqueue=function on_enqueue(msg) return { fairness_key = msg.headers.tenant } end",
					"fila.queues.flaky.retry.initial-delay=10ms", "fila.queues.flaky.retry.max-attempts=3")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				FilaTemplate template = context.getBean(FilaTemplate.class);
				for (int i = 0; i < 20; i++) {
					template.enqueue("orders", java.util.Map.of("tenant", "t" + (i % 3)), "order " + i);
				}
				for (int i = 0; i < 10; i++) {
					template.enqueue("flaky", "job " + i);
				}
				for (int i = 0; i < 3; i++) {
					template.enqueue("poison", "bad " + i);
				}
				String[] orders = { "queue", "orders", "driver", "memory", "consumer", "order-worker" };
				String[] flaky = { "queue", "flaky", "driver", "memory", "consumer", "flaky-worker" };
				String[] poison = { "queue", "poison", "driver", "memory", "consumer", "poison-worker" };
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					assertThat(count(registry, "fila.messages.acked", orders)).isEqualTo(20);
					assertThat(count(registry, "fila.messages.acked", flaky)).isEqualTo(10);
					assertThat(count(registry, "fila.messages.dead_lettered", poison)).isEqualTo(3);
				});
				assertThat(count(registry, "fila.messages.enqueued", "queue", "orders", "driver", "memory"))
					.isEqualTo(20);
				assertThat(count(registry, "fila.messages.delivered", orders)).isEqualTo(20);
				assertThat(count(registry, "fila.messages.nacked", orders)).isZero();
				assertThat(registry.get("fila.delivery.latency").tags(orders).timer().count()).isEqualTo(20);
				assertThat(count(registry, "fila.messages.delivered", flaky)).isEqualTo(20);
				assertThat(count(registry, "fila.messages.nacked", flaky)).isEqualTo(10);
				assertThat(count(registry, "fila.messages.dead_lettered", flaky)).isZero();
				assertThat(registry.get("fila.delivery.latency").tags(flaky).timer().count())
					.as("first deliveries only")
					.isEqualTo(10);
				assertThat(count(registry, "fila.messages.nacked", poison)).isEqualTo(3);
				assertThat(registry.get("fila.lua.executions")
					.tags("queue", "orders", "driver", "memory", "hook", "on_enqueue", "outcome", "success")
					.counter()
					.count()).isEqualTo(20);

				context.getBean(dev.fila.listener.FilaListenerRegistry.class).stop("poison-worker");
				assertThat(context.getBean(FilaAdmin.class).redrive("poison.dlq", 10)).isEqualTo(3);
				assertThat(count(registry, "fila.messages.redriven", "queue", "poison", "driver", "memory"))
					.isEqualTo(3);

				context.getBean(FilaQueueMetrics.class).refresh();
				assertThat(registry.get("fila.queue.depth").tags("queue", "poison").gauge().value()).isEqualTo(3);
				assertThat(registry.get("fila.queue.depth").tags("queue", "poison.dlq").gauge().value()).isZero();
				assertThat(registry.get("fila.queue.depth").tags("queue", "orders").gauge().value()).isZero();
				assertThat(registry.get("fila.queue.consumers").tags("queue", "orders").gauge().value()).isEqualTo(1);
				assertThat(registry.get("fila.queue.consumers").tags("queue", "poison").gauge().value()).isZero();
				assertThat(registry.get("fila.messages.expired").tags("queue", "orders").functionCounter().count())
					.isZero();
			});
	}

	private static double count(MeterRegistry registry, String name, String... tags) {
		return registry.get(name).tags(tags).counter().count();
	}

	@Configuration(proxyBeanMethods = false)
	static class RegistryConfiguration {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomRecorderConfiguration {

		final MicrometerFilaMetricsRecorder recorder = new MicrometerFilaMetricsRecorder(new SimpleMeterRegistry());

		@Bean
		MicrometerFilaMetricsRecorder customRecorder() {
			return this.recorder;
		}

	}

	static class Listeners {

		@FilaListener(queue = "orders", id = "order-worker", concurrency = "2")
		void order(String payload) {
		}

		@FilaListener(queue = "flaky", id = "flaky-worker")
		void flaky(String payload, FilaMessage message) {
			if (message.attempts() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
		}

		@FilaListener(queue = "poison", id = "poison-worker")
		void poison(String payload) {
			throw new DeadLetterException("cannot process " + payload);
		}

	}

}
