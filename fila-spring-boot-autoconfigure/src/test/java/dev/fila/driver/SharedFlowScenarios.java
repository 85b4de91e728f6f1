package dev.fila.driver;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.queue.FilaFlowControl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Flow control scenarios over whole application contexts, for the drivers whose settings are
 * shared by every instance (Redis, RabbitMQ): each driver's test runs them with its own runner.
 */
public final class SharedFlowScenarios {

	private SharedFlowScenarios() {
	}

	/**
	 * One instance pauses key {@code acme} of queue {@code orders}; within a second the other
	 * delivers no acme message but others; a restarted instance still holds acme, shows it
	 * paused, and delivers it once resumed.
	 * @param instance an application with a shared driver as its default driver
	 */
	public static void aPauseOnOneInstanceHoldsTheKeyOnTheOtherAndSurvivesARestart(ApplicationContextRunner instance) {
		ApplicationContextRunner withQueue = instance
			.withPropertyValues("fila.queues.orders.on-enqueue=classpath:lua/tenant-enqueue.lua");
		withQueue.run((first) -> withQueue.run((second) -> {
			first.getBean(FilaAdmin.class).pauseKey("orders", "acme");
			await().atMost(Duration.ofSeconds(1))
				.until(() -> second.getBean(FilaFlowControl.class).flow("orders").isKeyPaused("acme"));
			FilaTemplate template = second.getBean(FilaTemplate.class);
			template.enqueue("orders", Map.of("tenant", "acme"), "a");
			template.enqueue("orders", Map.of("tenant", "beta"), "b");
			FilaDelivery beta = template.receive("orders", Duration.ofSeconds(5)).orElseThrow();
			assertThat(beta.fairnessKey()).isEqualTo("beta");
			beta.ack();
			assertThat(template.receive("orders", Duration.ofMillis(500))).isEmpty();
		}));
		withQueue.run((restarted) -> {
			FilaAdmin admin = restarted.getBean(FilaAdmin.class);
			FilaTemplate template = restarted.getBean(FilaTemplate.class);
			assertThat(template.receive("orders", Duration.ofMillis(500))).isEmpty();
			// Listed once the instance knows the key (on amqp, from the key log a consumer reads).
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(admin.stats("orders").keys())
					.filteredOn((key) -> key.key().equals("acme"))
					.singleElement()
					.satisfies((key) -> assertThat(key.paused()).isTrue()));
			admin.resumeKey("orders", "acme");
			FilaDelivery acme = template.receive("orders", Duration.ofSeconds(5)).orElseThrow();
			assertThat(acme.fairnessKey()).isEqualTo("acme");
			acme.ack();
		});
	}

}
