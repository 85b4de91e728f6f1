package dev.fila.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.client.DefaultFilaAdmin;
import dev.fila.client.DefaultFilaTemplate;
import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FilaTemplateAndAdminTests {

	record Point(int x, int y) {
	}

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final QueuePolicyFactory policies = new QueuePolicyFactory() {

		@Override
		public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
			return (context) -> new Scheduling(context.headers().getOrDefault("tenant", "default"), 1, List.of());
		}

		@Override
		public FailurePolicy failurePolicy(QueueDefinition queue) {
			return new DefaultQueuePolicyFactory().failurePolicy(queue);
		}

	};

	private final FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"),
			Map.of("jobs", new QueueDefinition("jobs", null, Duration.ofSeconds(30), 1, true,
					new RetryPolicy(2, Duration.ofMillis(200), 1, Duration.ofMillis(200)), null, null)),
			this.policies);

	private final FilaTemplate template = new DefaultFilaTemplate(this.queues,
			new FilaPayloadConverter(JsonMapper.builder().build()));

	private final FilaAdmin admin = new DefaultFilaAdmin(this.queues, new InMemoryRuntimeConfig(Map.of("seed", "1")));

	@AfterEach
	void close() {
		this.driver.close();
	}

	private FilaDelivery receive(String queue) {
		return this.template.receive(queue, Duration.ofSeconds(2)).orElseThrow();
	}

	@Test
	void aDelayedEnqueueWaitsItsDelayThenKeepsItsHookKeyAndHeaders() {
		long start = System.nanoTime();
		String id = this.template.enqueue("jobs", Map.of("tenant", "acme"), "later", Duration.ofMillis(400));
		List<String> batch = this.template.enqueueAll("jobs",
				List.of(OutboundMessage.of(Map.of("tenant", "beta"), "batched").withDelay(Duration.ofMillis(400)),
						"now"));
		assertThat(this.admin.stats("jobs").delayed()).isEqualTo(2);
		assertThat(new String(receive("jobs").payload(), StandardCharsets.UTF_8)).isEqualTo("now");
		FilaDelivery later = receive("jobs");
		FilaDelivery batched = receive("jobs");
		assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(400);
		assertThat(List.of(later.id(), batched.id())).containsExactlyInAnyOrder(id, batch.get(0));
		assertThat(List.of(later.fairnessKey(), batched.fairnessKey())).containsExactlyInAnyOrder("acme", "beta");
	}

	@Test
	void absurdDelaysAreRefusedWithTheReasonAndNothingIsSent() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.template.enqueue("jobs", Map.of(), "x", Duration.ofMillis(-1)))
			.withMessageContaining("must not be negative");
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("jobs", Map.of(), "x", null))
			.withMessageContaining("must not be null");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.template.enqueue("jobs", Map.of(), "x", Duration.ofDays(25)))
			.withMessageContaining("at most PT576H");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> OutboundMessage.of("x").withDelay(Duration.ofSeconds(Long.MAX_VALUE)));
		assertThat(this.admin.stats("jobs").pending() + this.admin.stats("jobs").delayed()).isZero();
		// The longest delay is accepted.
		this.template.enqueue("jobs", Map.of(), "x", OutboundMessage.MAX_DELAY);
		assertThat(this.admin.stats("jobs").delayed()).isEqualTo(1);
	}

	@Test
	void aMalformedPriorityHeaderIsRefusedWithTheReasonAndNothingIsSent() {
		for (String bad : new String[] { "10", "-1", "", " ", "1.5", "NaN", "high", "07", "x".repeat(100_000) }) {
			assertThatIllegalArgumentException()
				.as("fila-priority '%s'", (bad.length() > 10) ? "x..." : bad)
				.isThrownBy(() -> this.template.enqueue("jobs", Map.of("fila-priority", bad), "x"))
				.withMessageContaining("fila-priority must be an integer from 0 to 9");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> this.template.enqueueAll("jobs",
						List.of(OutboundMessage.of("fine"), OutboundMessage.of(Map.of("fila-priority", bad), "x"))));
		}
		assertThat(this.admin.stats("jobs").pending()).isZero();
		this.template.enqueue("jobs", Map.of("fila-priority", " 9 "), "x");
		assertThat(this.admin.stats("jobs").pending()).isEqualTo(1);
	}

	@Test
	void pausingAKeyHoldsItsMessagesShowsInStatsAndResumingReleasesThem() {
		this.template.enqueue("jobs", Map.of("tenant", "acme"), "a1");
		this.template.enqueue("jobs", Map.of("tenant", "beta"), "b1");
		this.admin.pauseKey("jobs", "acme");
		this.admin.setKeyWeight("jobs", "beta", 4);
		QueueStats stats = this.admin.stats("jobs");
		assertThat(stats.paused()).isFalse();
		assertThat(stats.keys()).extracting(KeyStats::key, KeyStats::paused, KeyStats::weight)
			.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("acme", true, 1.0),
					org.assertj.core.groups.Tuple.tuple("beta", false, 4.0));
		assertThat(receive("jobs").fairnessKey()).isEqualTo("beta");
		assertThat(this.template.receive("jobs", Duration.ofMillis(200))).isEmpty();
		this.admin.resumeKey("jobs", "acme");
		assertThat(receive("jobs").fairnessKey()).isEqualTo("acme");
	}

	@Test
	void pausingTheQueueHoldsEverythingUntilResumed() {
		this.admin.pause("jobs");
		this.template.enqueue("jobs", Map.of("tenant", "acme"), "a1");
		assertThat(this.admin.stats("jobs").paused()).isTrue();
		assertThat(this.template.receive("jobs", Duration.ofMillis(200))).isEmpty();
		this.admin.resume("jobs");
		assertThat(receive("jobs").fairnessKey()).isEqualTo("acme");
		assertThat(this.admin.stats("jobs").paused()).isFalse();
	}

	@Test
	void flowControlRefusesWhatMakesNoSense() {
		assertThatExceptionOfType(QueueNotFoundException.class).isThrownBy(() -> this.admin.pause("missing"));
		assertThatExceptionOfType(QueueNotFoundException.class)
			.isThrownBy(() -> this.admin.pauseKey("missing", "acme"));
		this.admin.createQueue("jobs");
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.pauseKey("jobs", ""));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.pauseKey("jobs", null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setKeyWeight("jobs", "acme", Double.NaN));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.admin.setKeyWeight("jobs", "acme", Double.POSITIVE_INFINITY));
		// Round robin arithmetic overflows beyond these: refused rather than a key served never or always.
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setKeyWeight("jobs", "acme", 1e-7));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setKeyWeight("jobs", "acme", 1e7));
		this.admin.setKeyWeight("jobs", "acme", 1e-6);
		this.admin.setKeyWeight("jobs", "acme", 1e6);
		// A weight <= 0 removes the override; removing one that is not there is fine.
		this.admin.setKeyWeight("jobs", "acme", 0);
		this.admin.setKeyWeight("jobs", "acme", -1);
		assertThat(this.admin.stats("jobs").keys()).isEmpty();
	}

	@Test
	void deletingAQueueForgetsItsPausesSoARecreatedQueueDelivers() {
		this.admin.createQueue("jobs");
		this.admin.pause("jobs");
		this.admin.pauseKey("jobs", "acme");
		this.admin.deleteQueue("jobs");
		this.template.enqueue("jobs", Map.of("tenant", "acme"), "again");
		assertThat(receive("jobs").fairnessKey()).isEqualTo("acme");
	}

	@Test
	void enqueueSendsBytesAsIsStringsAsUtf8AndObjectsAsJson() {
		this.template.enqueue("jobs", new byte[] { 1, 2 });
		this.template.enqueue("jobs", "ça va");
		this.template.enqueue("jobs", new Point(1, 2));
		assertThat(receive("jobs").payload()).containsExactly(1, 2);
		assertThat(new String(receive("jobs").payload(), StandardCharsets.UTF_8)).isEqualTo("ça va");
		assertThat(new String(receive("jobs").payload(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":1,\"y\":2}");
	}

	@Test
	void enqueueAsksTheEnqueuePolicyForScheduling() {
		String id = this.template.enqueue("jobs", Map.of("tenant", "acme"), "x");
		FilaDelivery delivery = receive("jobs");
		assertThat(delivery.id()).isEqualTo(id);
		assertThat(delivery.fairnessKey()).isEqualTo("acme");
		assertThat(delivery.headers()).containsEntry("tenant", "acme");
	}

	@Test
	void enqueueAllSendsPayloadsAndOutboundMessagesInOneBatch() {
		List<String> ids = this.template.enqueueAll("jobs",
				List.of("plain", OutboundMessage.of(Map.of("tenant", "t1"), "with headers")));
		assertThat(ids).hasSize(2);
		assertThat(this.admin.stats("jobs").pending()).isEqualTo(2);
		assertThat(this.template.enqueueAll("jobs", List.of())).isEmpty();
	}

	@Test
	void receivedDeliveryCanBeAckedOrNacked() {
		this.template.enqueue("jobs", "a");
		FilaDelivery first = receive("jobs");
		first.nack("not now");
		assertThat(this.admin.stats("jobs").delayed()).isEqualTo(1);
		FilaDelivery second = receive("jobs");
		assertThat(second.attempts()).isEqualTo(2);
		second.nack("still not");
		assertThat(this.admin.stats("jobs.dlq").pending()).isEqualTo(1);
		assertThatExceptionOfType(FilaException.class).isThrownBy(second::ack).withMessageContaining("lost");
		assertThat(this.template.receive("jobs", Duration.ofMillis(50))).isEmpty();
	}

	@Test
	void requestTimesOutAndDeletesItsReplyQueue() {
		assertThatExceptionOfType(FilaTimeoutException.class)
			.isThrownBy(() -> this.template.request("jobs", Map.of(), "ping", String.class, Duration.ofMillis(200)))
			.withMessageContaining("jobs");
		assertThat(this.admin.listQueues()).noneMatch((queue) -> queue.startsWith("fila-reply-"));
		FilaDelivery request = receive("jobs");
		assertThat(request.headers()).containsKeys(FilaHeaders.REPLY_TO, FilaHeaders.CORRELATION_ID);
	}

	@Test
	void requestReturnsTheReplyWithTheMatchingCorrelationId() throws Exception {
		Thread responder = new Thread(() -> {
			FilaDelivery request = receive("jobs");
			String replyTo = request.headers().get(FilaHeaders.REPLY_TO);
			this.template.enqueue(replyTo, Map.of(FilaHeaders.CORRELATION_ID, "someone-else"), "wrong");
			this.template.enqueue(replyTo,
					Map.of(FilaHeaders.CORRELATION_ID, request.headers().get(FilaHeaders.CORRELATION_ID)), "pong");
			request.ack();
		});
		responder.start();
		assertThat(this.template.request("jobs", Map.of(), "ping", String.class, Duration.ofSeconds(5)))
			.isEqualTo("pong");
		responder.join();
	}

	@Test
	void invalidAndReservedQueueNamesAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("bad name", "x"))
			.withMessageContaining("bad name");
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("jobs.dlq", "x"))
			.withMessageContaining("reserved");
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("x".repeat(201), "x"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.createQueue(""));
	}

	@Test
	void adminCreatesListsAndDeletesQueues() {
		this.admin.createQueue("fresh");
		assertThat(this.admin.listQueues()).contains("fresh", "fresh.dlq");
		this.template.enqueue("fresh", "x");
		assertThat(this.admin.deleteQueue("fresh")).isTrue();
		assertThat(this.admin.listQueues()).doesNotContain("fresh", "fresh.dlq");
		this.template.enqueue("fresh", "recreated on use");
		assertThat(this.admin.stats("fresh").pending()).isEqualTo(1);
	}

	@Test
	void adminStatsRedriveAndPurge() {
		this.template.enqueue("jobs", Map.of("tenant", "a"), "1");
		this.template.enqueue("jobs", Map.of("tenant", "b"), "2");
		receive("jobs").nack("boom");
		receive("jobs").nack("boom");
		FilaDelivery retried = receive("jobs");
		assertThat(retried.attempts()).isEqualTo(2);
		retried.nack("boom again");
		assertThat(this.admin.stats("jobs.dlq").pending()).isEqualTo(1);
		assertThat(this.admin.redrive("jobs.dlq", 10)).isEqualTo(1);
		assertThat(this.admin.stats("jobs").total()).isEqualTo(2);
		assertThat(this.admin.stats("jobs").keys()).extracting(KeyStats::key).containsExactlyInAnyOrder("a", "b");
		assertThat(this.admin.purge("jobs")).isEqualTo(2);
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.redrive("jobs", 1));
	}

	@Test
	void deadLetterThatFailsAgainIsRetriedNeverDropped() {
		this.template.enqueue("jobs", "x");
		receive("jobs").nack("first");
		receive("jobs").nack("second");
		assertThat(this.admin.stats("jobs.dlq").pending()).isEqualTo(1);
		for (int attempt = 1; attempt <= 3; attempt++) {
			FilaDelivery dead = receive("jobs.dlq");
			assertThat(dead.attempts()).isEqualTo(attempt);
			dead.nack("still failing");
			assertThat(this.admin.stats("jobs.dlq").total()).isEqualTo(1);
		}
	}

	@Test
	void adminReadsNeverCreateQueues() {
		assertThatExceptionOfType(QueueNotFoundException.class).isThrownBy(() -> this.admin.stats("typo"));
		assertThatExceptionOfType(QueueNotFoundException.class).isThrownBy(() -> this.admin.purge("typo"));
		assertThatExceptionOfType(QueueNotFoundException.class).isThrownBy(() -> this.admin.redrive("typo.dlq", 1));
		assertThat(this.admin.deleteQueue("typo")).isFalse();
		assertThat(this.admin.listQueues()).doesNotContain("typo", "typo.dlq");
	}

	@Test
	void adminFindsAQueueThatExistsOnlyOnAnotherDriver() {
		MemoryDriver other = new MemoryDriver("other");
		FilaQueues twoDrivers = new FilaQueues(
				new FilaDrivers(Map.of("memory", this.driver, "other", other), "memory"), Map.of(), this.policies);
		other.createQueue(new dev.fila.driver.QueueSpec("elsewhere", Duration.ofSeconds(30), 1, true));
		FilaAdmin twoDriverAdmin = new DefaultFilaAdmin(twoDrivers, new InMemoryRuntimeConfig(Map.of()));
		assertThat(twoDriverAdmin.stats("elsewhere").driver()).isEqualTo("other");
		assertThat(twoDriverAdmin.stats("elsewhere.dlq").driver()).isEqualTo("other");
		assertThat(this.driver.queueExists("elsewhere")).isFalse();
		other.close();
	}

	@Test
	void adminRuntimeConfig() {
		assertThat(this.admin.getConfig("seed")).contains("1");
		this.admin.setConfig("weight.acme", "5");
		this.admin.setConfig("weight.beta", "2");
		assertThat(this.admin.listConfig("weight.")).containsExactly(Map.entry("weight.acme", "5"),
				Map.entry("weight.beta", "2"));
		assertThat(this.admin.getConfig("missing")).isEmpty();
	}

	@Test
	void adminThrottleAppliesToDrivers() throws Exception {
		this.admin.setThrottle("slow", 0.5, 1);
		dev.fila.driver.OutgoingMessage throttled = new dev.fila.driver.OutgoingMessage(Map.of(), new byte[0],
				new Scheduling("k", 1, List.of("slow")));
		this.admin.createQueue("throttled");
		this.driver.enqueue("throttled", List.of(throttled, throttled));
		assertThat(this.driver.fetch("throttled", 10, Duration.ofMillis(300))).hasSize(1);
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setThrottle("bad", 0, 1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.admin.setThrottle("bad", Double.POSITIVE_INFINITY, 1));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setThrottle("bad", Double.NaN, 1));
		this.admin.setThrottle("fast", 100, 7);
		assertThat(this.admin.throttles()).extracting(ThrottleStats::key).containsExactly("fast", "slow");
		ThrottleStats fast = this.admin.throttles().get(0);
		assertThat(fast.rate()).isEqualTo(100);
		assertThat(fast.burst()).isEqualTo(7);
		assertThat(fast.availablePermits()).isEqualTo(7);
		assertThat(this.admin.throttles().get(1).availablePermits()).isBetween(0.0, 0.9);
	}

	@Test
	void nullHeaderNamesAndValuesAreRefusedByName() {
		Map<String, String> nullValue = new java.util.HashMap<>();
		nullValue.put("tenant", null);
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("jobs", nullValue, "x"))
			.withMessageContaining("Header 'tenant'")
			.withMessageContaining("null value")
			.withMessageContaining("'jobs'");
		Map<String, String> nullName = new java.util.HashMap<>();
		nullName.put(null, "acme");
		assertThatIllegalArgumentException().isThrownBy(() -> this.template.enqueue("jobs", nullName, "x"))
			.withMessageContaining("null name")
			.withMessageContaining("'acme'");
		assertThatIllegalArgumentException().isThrownBy(() -> OutboundMessage.of(nullValue, "x"))
			.withMessageContaining("Header 'tenant'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.template.request("jobs", nullValue, "x", String.class, Duration.ofMillis(10)))
			.withMessageContaining("Header 'tenant'");
		assertThat(this.admin.stats("jobs").total()).isZero();
	}

	@Test
	void aBatchWithOneOversizedMessageSendsNothing() {
		List<Object> batch = new java.util.ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(OutboundMessage.of(Map.of("n", Integer.toString(i)), "m" + i));
		}
		batch.set(2, OutboundMessage.of(Map.of("big", "x".repeat(1 << 20)), "m2"));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.template.enqueueAll("jobs", batch))
			.withMessageContaining("message 3 of 5")
			.withMessageContaining("'jobs'");
		assertThat(this.admin.stats("jobs").total()).isZero();
	}

}
