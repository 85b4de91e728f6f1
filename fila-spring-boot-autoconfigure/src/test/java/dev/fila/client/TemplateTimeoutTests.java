package dev.fila.client;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Timeouts at the edges of {@link Duration}: a request whose reply can never be waited for is
 * refused before it is sent, and a timeout too long for nanoseconds means "wait", not an
 * {@link ArithmeticException}.
 */
@Timeout(30)
class TemplateTimeoutTests {

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final DefaultFilaTemplate template = new DefaultFilaTemplate(
			new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"), Map.of(),
					new DefaultQueuePolicyFactory()),
			new FilaPayloadConverter(JsonMapper.builder().build()));

	@AfterEach
	void close() {
		this.driver.close();
	}

	@Test
	void aRequestWithoutAPositiveTimeoutIsRefusedBeforeAnythingIsSent() {
		this.template.enqueue("jobs", "warm-up");
		this.template.receive("jobs", Duration.ofSeconds(1)).orElseThrow().ack();
		for (Duration timeout : new Duration[] { Duration.ZERO, Duration.ofSeconds(-1),
				Duration.ofSeconds(Long.MIN_VALUE), null }) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> this.template.request("jobs", Map.of(), "ping", String.class, timeout))
				.withMessageContaining("timeout")
				.withMessageContaining(String.valueOf(timeout));
		}
		// No request for a consumer to run with nobody waiting for its reply, no reply queue left.
		assertThat(this.driver.stats("jobs").pending()).isZero();
		assertThat(this.driver.listQueues()).noneMatch((queue) -> queue.startsWith("fila-reply-"));
	}

	@Test
	void aRequestWithATimeoutTooLongForNanosecondsWaitsForItsReply() throws Exception {
		for (Duration timeout : new Duration[] { Duration.ofDays(365L * 1000), ChronoUnit.FOREVER.getDuration() }) {
			CompletableFuture<Boolean> responder = CompletableFuture.supplyAsync(() -> {
				FilaDelivery request = this.template.receive("jobs", Duration.ofSeconds(5)).orElseThrow();
				boolean replied = this.template.reply(request, "pong");
				request.ack();
				return replied;
			});
			assertThat(this.template.request("jobs", Map.of(), "ping", String.class, timeout)).isEqualTo("pong");
			assertThat(responder.get(5, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(this.driver.listQueues()).noneMatch((queue) -> queue.startsWith("fila-reply-"));
	}

	@Test
	void receiveWithATimeoutTooLongForNanosecondsReturnsTheMessage() {
		this.template.enqueue("jobs", "one");
		FilaDelivery delivery = this.template.receive("jobs", ChronoUnit.FOREVER.getDuration()).orElseThrow();
		assertThat(delivery.payload()).isEqualTo("one".getBytes());
		delivery.ack();
	}

	@Test
	void receiveWithAHugelyNegativeTimeoutDoesNotWait() {
		assertThat(this.template.receive("jobs", Duration.ofSeconds(Long.MIN_VALUE))).isEmpty();
	}

}
