package dev.fila.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @FilaListener} methods in an application context on the memory driver.
 */
class FilaListenerContextTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
		.withPropertyValues("fila.queues.failing.retry.initial-delay=10ms", "fila.queues.failing.retry.max-attempts=3");

	record Order(String id, int quantity) {
	}

	static final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

	static Object next() throws InterruptedException {
		Object value = received.poll(5, TimeUnit.SECONDS);
		assertThat(value).as("a value from a listener").isNotNull();
		return value;
	}

	static class Listeners {

		@FilaListener(queue = "orders")
		void order(Order order, @Header("tenant") String tenant, @Headers Map<String, String> headers,
				FilaMessage message) {
			received.add(List.of(order, tenant, headers, message.attempts(), message.queue()));
		}

		@FilaListener(queue = "texts")
		void text(@Payload String text) {
			received.add(text);
		}

		@FilaListener(queue = "bytes")
		void bytes(byte[] bytes) {
			received.add(bytes);
		}

		@FilaListener(queue = "spring-messages")
		void springMessage(Message<byte[]> message, @Header("tenant") String tenant) {
			received.add(List.of(message.getPayload(), Map.copyOf(message.getHeaders()), tenant,
					message.getHeaders() == message.getHeaders()));
		}

		@FilaListener(queue = "failing")
		void failing(String payload, FilaMessage message) {
			received.add(message.attempts());
			throw new IllegalStateException("failed attempt " + message.attempts());
		}

		@FilaListener(queue = "poison")
		void poison(String payload) {
			throw new DeadLetterException("cannot process " + payload);
		}

		@FilaListener(queue = "manual")
		void manual(String payload, Acknowledgement acknowledgement) {
			if (payload.equals("ack")) {
				acknowledgement.ack();
			}
			else if (payload.equals("nack")) {
				acknowledgement.nack("rejected");
			}
			received.add(payload);
		}

		@FilaListener(queue = "quotes")
		Order quote(Order request) {
			return new Order(request.id(), request.quantity() * 2);
		}

		@FilaListener(queue = "${test.queue:placeholder}", id = "placeholder-consumer", concurrency = "${test.concurrency:2}",
				autoStartup = "false")
		void placeholder(String payload) {
			received.add("placeholder:" + payload);
		}

	}

	@Test
	void convertsJsonPayloadsAndResolvesHeadersAndTheMessage() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			received.clear();
			context.getBean(FilaTemplate.class).enqueue("orders", Map.of("tenant", "acme"), new Order("o-1", 3));
			List<?> values = (List<?>) next();
			assertThat(values.get(0)).isEqualTo(new Order("o-1", 3));
			assertThat(values.get(1)).isEqualTo("acme");
			assertThat(Map.copyOf((Map<?, ?>) values.get(2))).isEqualTo(Map.of("tenant", "acme"));
			assertThat(values.get(3)).isEqualTo(1);
			assertThat(values.get(4)).isEqualTo("orders");
		});
	}

	@Test
	void stringAndBytePayloads() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			received.clear();
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("texts", "héllo");
			assertThat(next()).isEqualTo("héllo");
			template.enqueue("bytes", new byte[] { 7, 8 });
			assertThat((byte[]) next()).containsExactly(7, 8);
		});
	}

	@Test
	void aSpringMessageParameterHasThePayloadAndExactlyTheFilaHeaders() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			received.clear();
			context.getBean(FilaTemplate.class).enqueue("spring-messages", Map.of("tenant", "acme"), new byte[] { 1, 2 });
			List<?> values = (List<?>) next();
			assertThat((byte[]) values.get(0)).containsExactly(1, 2);
			// No generated id or timestamp: the headers are the message's own.
			assertThat(values.get(1)).isEqualTo(Map.of("tenant", "acme"));
			assertThat(values.get(2)).isEqualTo("acme");
			assertThat(values.get(3)).isEqualTo(true);
		});
	}

	@Test
	void exceptionNacksAndTheRetryPolicyRetriesThenDeadLetters() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			received.clear();
			context.getBean(FilaTemplate.class).enqueue("failing", "x");
			assertThat(List.of(next(), next(), next())).containsExactly(1, 2, 3);
			FilaDelivery dead = receive(context.getBean(FilaTemplate.class), "failing.dlq");
			assertThat(dead.headers()).containsEntry("fila-attempts", "3")
				.containsEntry("fila-error", "failed attempt 3")
				.containsEntry("fila-source-queue", "failing");
		});
	}

	@Test
	void deadLetterExceptionGoesToTheDlqAtOnce() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("poison", "p");
			FilaDelivery dead = receive(context.getBean(FilaTemplate.class), "poison.dlq");
			assertThat(dead.headers()).containsEntry("fila-attempts", "1").containsEntry("fila-error", "cannot process p");
		});
	}

	@Test
	void payloadThatCannotBeConvertedGoesToTheDlqAtOnce() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			context.getBean(FilaTemplate.class).enqueue("orders", Map.of("tenant", "acme"), "not json");
			FilaDelivery dead = receive(context.getBean(FilaTemplate.class), "orders.dlq");
			assertThat(dead.headers()).containsEntry("fila-attempts", "1");
			assertThat(dead.headers().get("fila-error")).contains("Cannot convert");
			assertThat(new String(dead.payload(), StandardCharsets.UTF_8)).isEqualTo("not json");
		});
	}

	@Test
	void manualAcknowledgement() {
		this.contextRunner.withUserConfiguration(Listeners.class)
			.withPropertyValues("fila.queues.manual.retry.max-attempts=1")
			.run((context) -> {
				received.clear();
				FilaTemplate template = context.getBean(FilaTemplate.class);
				FilaAdmin admin = context.getBean(FilaAdmin.class);
				template.enqueue("manual", "ack");
				assertThat(next()).isEqualTo("ack");
				template.enqueue("manual", "nack");
				assertThat(next()).isEqualTo("nack");
				template.enqueue("manual", "forgot");
				assertThat(next()).isEqualTo("forgot");
				await().atMost(Duration.ofSeconds(5)).until(() -> admin.stats("manual.dlq").pending() == 2);
				assertThat(admin.stats("manual").total()).isZero();
				FilaDelivery first = receive(template, "manual.dlq");
				FilaDelivery second = receive(template, "manual.dlq");
				assertThat(List.of(first.headers().get("fila-error"), second.headers().get("fila-error")))
					.containsExactlyInAnyOrder("rejected", "Handler returned without calling Acknowledgement.ack() or nack()");
			});
	}

	@Test
	void returnValueIsTheReplyOfARequest() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			Order reply = template.request("quotes", Map.of(), new Order("q-1", 21), Order.class, Duration.ofSeconds(5));
			assertThat(reply).isEqualTo(new Order("q-1", 42));
			assertThat(context.getBean(FilaAdmin.class).listQueues()).noneMatch((queue) -> queue.startsWith("fila-reply-"));
		});
	}

	@Test
	void aReplyGoesToAQueueTheCallerCreatedButNeverToADeadLetterOrMissingQueue() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			FilaAdmin admin = context.getBean(FilaAdmin.class);
			// The caller's own reply queue, created under a name of its choosing.
			template.enqueue("my-replies", "create");
			receive(template, "my-replies");
			template.enqueue("quotes", Map.of("reply_to", "my-replies", "correlation_id", "c-1"), new Order("q-2", 2));
			FilaDelivery reply = receive(template, "my-replies");
			assertThat(reply.headers()).containsEntry("correlation_id", "c-1");
			assertThat(reply.payload()).isNotEmpty();
			template.enqueue("quotes", Map.of("reply_to", "my-replies.dlq"), new Order("q-3", 3));
			template.enqueue("quotes", Map.of("reply_to", "no-such-queue"), new Order("q-4", 4));
			template.enqueue("quotes", Map.of("reply_to", "not a queue name"), new Order("q-5", 5));
			// Each request is acked, none retried, and no reply lands anywhere else.
			await().atMost(Duration.ofSeconds(5)).until(() -> admin.stats("quotes").total() == 0);
			assertThat(admin.stats("quotes.dlq").total()).isZero();
			assertThat(admin.stats("my-replies.dlq").total()).isZero();
			assertThat(admin.listQueues()).doesNotContain("no-such-queue");
		});
	}

	@Test
	void placeholdersConfigurationAndRegistryControlTheConsumer() {
		this.contextRunner.withUserConfiguration(Listeners.class)
			.withPropertyValues("test.queue=resolved", "fila.consumers.placeholder-consumer.concurrency=3")
			.run((context) -> {
				received.clear();
				FilaListenerRegistry registry = context.getBean(FilaListenerRegistry.class);
				FilaListenerContainer container = registry.getContainer("placeholder-consumer");
				assertThat(container.getSettings().queue()).isEqualTo("resolved");
				assertThat(container.getSettings().concurrency()).as("configuration wins").isEqualTo(3);
				assertThat(registry.isRunning("placeholder-consumer")).isFalse();
				assertThat(registry.getIds()).contains("placeholder-consumer").anyMatch((id) -> id.endsWith("Listeners.text"));
				context.getBean(FilaTemplate.class).enqueue("resolved", "hello");
				registry.start("placeholder-consumer");
				assertThat(next()).isEqualTo("placeholder:hello");
				registry.stop("placeholder-consumer");
				assertThat(registry.isRunning("placeholder-consumer")).isFalse();
			});
	}

	@Test
	void closingTheContextStopsEveryConsumer() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			FilaListenerRegistry registry = context.getBean(FilaListenerRegistry.class);
			assertThat(registry.getContainers()).isNotEmpty().filteredOn((c) -> c.getSettings().autoStartup()).allMatch(FilaListenerContainer::isRunning);
			context.close();
			assertThat(registry.getContainers()).noneMatch(FilaListenerContainer::isRunning);
		});
	}

	private static FilaDelivery receive(FilaTemplate template, String queue) {
		FilaDelivery delivery = template.receive(queue, Duration.ofSeconds(5)).orElseThrow();
		delivery.ack();
		return delivery;
	}

}
