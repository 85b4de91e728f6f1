package dev.fila.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import dev.fila.client.DefaultFilaAdmin;
import dev.fila.client.DefaultFilaTemplate;
import dev.fila.actuate.FilaEndpoint.ConfigEntryDescriptor;
import dev.fila.actuate.FilaEndpoint.FilaDescriptor;
import dev.fila.actuate.FilaEndpoint.KeyDescriptor;
import dev.fila.actuate.FilaEndpoint.QueueDescriptor;
import dev.fila.actuate.FilaEndpoint.ThrottleDescriptor;
import dev.fila.config.InMemoryRuntimeConfig;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.policy.EnqueuePolicy;
import dev.fila.policy.FailurePolicy;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.Scheduling;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class FilaEndpointTests {

	private final MemoryDriver memory = new MemoryDriver("memory");

	private final MemoryDriver other = new MemoryDriver("other");

	private final FilaDrivers drivers = new FilaDrivers(driversByName(), "memory");

	/** Fairness key and weight from the "tenant" and "weight" headers. */
	private final QueuePolicyFactory policies = new QueuePolicyFactory() {

		@Override
		public EnqueuePolicy enqueuePolicy(QueueDefinition queue) {
			return (context) -> new Scheduling(context.headers().getOrDefault("tenant", "default"),
					Double.parseDouble(context.headers().getOrDefault("weight", "1")), List.of());
		}

		@Override
		public FailurePolicy failurePolicy(QueueDefinition queue) {
			return new DefaultQueuePolicyFactory().failurePolicy(queue);
		}

	};

	private final FilaQueues queues = new FilaQueues(this.drivers,
			Map.of("reports", new QueueDefinition("reports", "other", Duration.ofSeconds(30), 1, false,
					dev.fila.scheduling.RetryPolicy.DEFAULT, null, null)),
			this.policies);

	private final FilaAdmin admin = new DefaultFilaAdmin(this.queues, new InMemoryRuntimeConfig(Map.of("weight.acme", "5")));

	private final RecentKeyDeliveries recent = new RecentKeyDeliveries(100);

	private final DefaultFilaTemplate template = new DefaultFilaTemplate(this.queues,
			new FilaPayloadConverter(JsonMapper.builder().build()));

	private final FilaListenerRegistry listeners = new FilaListenerRegistry();

	private final FilaListenerContainerFactory factory = new FilaListenerContainerFactory(this.queues, Map.of());

	private final FilaEndpoint endpoint = new FilaEndpoint(this.drivers, this.admin, this.listeners, this.recent);

	FilaEndpointTests() {
		this.template.setMetricsRecorder(this.recent);
		this.queues.createDeclaredQueues();
	}

	private Map<String, FilaDriver> driversByName() {
		Map<String, FilaDriver> byName = new LinkedHashMap<>();
		byName.put("memory", this.memory);
		byName.put("other", this.other);
		return byName;
	}

	@AfterEach
	void close() {
		this.listeners.stop();
		this.factory.close();
		this.memory.close();
		this.other.close();
	}

	private void enqueue(String queue, String tenant, int count, String weight) {
		List<OutboundMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(OutboundMessage.of(Map.of("tenant", tenant, "weight", weight), "m"));
		}
		this.template.enqueueAll(queue, batch);
	}

	private void receiveAndAck(String queue, int count) {
		for (int i = 0; i < count; i++) {
			FilaDelivery delivery = this.template.receive(queue, Duration.ofSeconds(1)).orElseThrow();
			delivery.ack();
		}
	}

	@Test
	void overviewListsQueuesOfEveryDriverWithDeadLetterDepthConsumersAndConfig() {
		enqueue("orders", "acme", 3, "1");
		this.listeners.register(this.factory.create(new FilaListenerEndpoint("order-worker",
				new ConsumerConfig("orders", 2, 5, false, Duration.ofSeconds(1)), "test", (message, ack) -> {
				})));
		this.template.receive("orders", Duration.ofSeconds(1)).orElseThrow().nack("boom");
		FilaDescriptor fila = this.endpoint.fila();
		assertThat(fila.drivers()).containsOnlyKeys("memory", "other");
		assertThat(fila.queues()).containsOnlyKeys("orders", "reports");
		FilaEndpoint.QueueSummaryDescriptor orders = fila.queues().get("orders");
		assertThat(orders.driver()).isEqualTo("memory");
		assertThat(orders.pending()).isEqualTo(2);
		assertThat(orders.delayed()).isEqualTo(1);
		assertThat(orders.fairnessKeys()).isEqualTo(1);
		assertThat(orders.deadLetter()).isEqualTo(new FilaEndpoint.DeadLetterDescriptor("orders.dlq", 0));
		assertThat(orders.consumers()).containsExactly("order-worker");
		assertThat(fila.queues().get("reports").driver()).isEqualTo("other");
		assertThat(fila.queues().get("reports").deadLetter()).isNull();
		assertThat(fila.consumers().get("order-worker").running()).isFalse();
		assertThat(fila.consumers().get("order-worker").concurrency()).isEqualTo(2);
		assertThat(fila.config()).containsEntry("weight.acme", "5");
	}

	@Test
	void queueDetailListsTopKeysByBacklogWithTheirShareOfRecentDeliveries() {
		enqueue("orders", "acme", 40, "3");
		enqueue("orders", "globex", 20, "1");
		enqueue("orders", "initech", 5, "1");
		receiveAndAck("orders", 25);
		QueueDescriptor orders = this.endpoint.queue("orders", 2);
		assertThat(orders).isNotNull();
		assertThat(orders.driver()).isEqualTo("memory");
		assertThat(orders.pending()).isEqualTo(40);
		assertThat(orders.fairnessKeys()).as("initech has nothing left").isEqualTo(2);
		assertThat(orders.recentDeliveries()).isEqualTo(new FilaEndpoint.RecentDeliveriesDescriptor(100, 25));
		assertThat(orders.keys()).extracting(KeyDescriptor::key).containsExactly("acme", "globex");
		KeyDescriptor acme = orders.keys().get(0);
		// DRR with weights 3:1:1 over 25 deliveries: 15 acme, 5 globex, 5 initech.
		assertThat(acme.recentDeliveries()).isEqualTo(15);
		assertThat(acme.deliveredShare()).isEqualTo(0.6);
		assertThat(acme.pending()).isEqualTo(25);
		assertThat(acme.weight()).isEqualTo(3);
		assertThat(acme.fairShare()).as("3 / (3 + 1): initech has no backlog left").isEqualTo(0.75);
		assertThat(orders.keys().get(1).deliveredShare()).isEqualTo(0.2);
		assertThat(this.endpoint.queue("orders", 1).keys()).hasSize(1);
		assertThat(this.endpoint.queue("orders", null).keys()).hasSize(2);
	}

	@Test
	void unknownQueueIsNotFoundAndNotCreated() {
		assertThat(this.endpoint.queue("nope", null)).isNull();
		assertThat(this.admin.listQueues()).doesNotContain("nope");
	}

	@Test
	void purgeRemovesPendingMessages() {
		enqueue("orders", "acme", 4, "1");
		assertThat(this.endpoint.queueAction("orders", "purge", null, null).count()).isEqualTo(4);
		assertThat(this.admin.stats("orders").pending()).isZero();
	}

	@Test
	void redriveMovesDeadLettersBackFromTheQueueOrItsDeadLetterQueue() {
		enqueue("orders", "acme", 3, "1");
		for (int i = 0; i < 3; i++) {
			FilaDelivery delivery = this.template.receive("orders", Duration.ofSeconds(1)).orElseThrow();
			this.memory.nack((dev.fila.driver.LeasedMessage) leased(delivery),
					dev.fila.scheduling.FailureDecision.deadLetter(), "x");
		}
		assertThat(this.endpoint.queueAction("orders", "redrive", 2, null))
			.isEqualTo(new FilaEndpoint.QueueActionDescriptor("orders.dlq", "redrive", null, 2));
		assertThat(this.endpoint.queueAction("orders.dlq", "redrive", null, null).count()).isEqualTo(1);
		assertThat(this.admin.stats("orders").pending()).isEqualTo(3);
	}

	@Test
	void redriveWithoutACountMovesEverything() {
		enqueue("orders", "acme", 150, "1");
		for (int i = 0; i < 150; i++) {
			FilaDelivery delivery = this.template.receive("orders", Duration.ofSeconds(1)).orElseThrow();
			this.memory.nack((dev.fila.driver.LeasedMessage) leased(delivery),
					dev.fila.scheduling.FailureDecision.deadLetter(), "x");
		}
		assertThat(this.endpoint.queueAction("orders", "redrive", null, null).count()).isEqualTo(150);
		assertThat(this.admin.stats("orders").pending()).isEqualTo(150);
	}

	@Test
	@SuppressWarnings("unchecked")
	void messagesShowsTheOldestPendingWithoutLeasingThem() {
		enqueue("orders", "acme", 3, "1");
		this.template.enqueue("orders", Map.of("tenant", "bin"), new byte[] { (byte) 0xff, 0 });
		List<FilaEndpoint.MessageDescriptor> messages = (List<FilaEndpoint.MessageDescriptor>) this.endpoint
			.entry("orders", "messages", null);
		assertThat(messages).hasSize(4);
		assertThat(messages).filteredOn((message) -> message.fairnessKey().equals("acme"))
			.extracting(FilaEndpoint.MessageDescriptor::payload, FilaEndpoint.MessageDescriptor::attempts)
			.containsOnly(org.assertj.core.groups.Tuple.tuple("m", 0));
		FilaEndpoint.MessageDescriptor binary = messages.stream()
			.filter((message) -> message.fairnessKey().equals("bin"))
			.findFirst()
			.orElseThrow();
		assertThat(binary.payload()).isNull();
		assertThat(binary.payloadBase64()).isEqualTo("/wA=");
		assertThat((List<?>) this.endpoint.entry("orders", "messages", 2)).hasSize(2);
		assertThat(this.admin.stats("orders").pending()).isEqualTo(4);
		assertThat(this.admin.stats("orders").inFlight()).isZero();
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.entry("orders", "messages", 0))
			.withMessageContaining("limit must be between 1 and 1000");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.entry("orders", "messages", 1001));
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.entry("missing", "messages", null))
			.withMessage("No queue 'missing'");
	}

	@Test
	void aHugePayloadIsShownCutShort() {
		this.template.enqueue("orders", Map.of("tenant", "big"), "é".repeat(10_000));
		@SuppressWarnings("unchecked")
		List<FilaEndpoint.MessageDescriptor> messages = (List<FilaEndpoint.MessageDescriptor>) this.endpoint
			.entry("orders", "messages", 1);
		assertThat(messages.get(0).payloadBytes()).isEqualTo(20_000);
		assertThat(messages.get(0).payload()).hasSizeLessThanOrEqualTo(FilaEndpoint.MessageDescriptor.PAYLOAD_SHOWN)
			.startsWith("éé");
	}

	@Test
	void aPurgeOrRedriveNarrowedByAKeyOrACountItDoesNotTakeIsRefusedAndChangesNothing() {
		enqueue("orders", "acme", 2, "1");
		enqueue("orders", "globex", 2, "1");
		// A purge empties the whole queue: asked for one key or a few messages, it must not.
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("orders", "purge", null, "acme"))
			.withMessageContaining("key")
			.withMessageContaining("acme");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("orders", "purge", 1, null))
			.withMessageContaining("count");
		assertThat(this.admin.stats("orders").pending()).isEqualTo(4);
		for (int i = 0; i < 4; i++) {
			FilaDelivery delivery = this.template.receive("orders", Duration.ofSeconds(1)).orElseThrow();
			this.memory.nack((dev.fila.driver.LeasedMessage) leased(delivery),
					dev.fila.scheduling.FailureDecision.deadLetter(), "x");
		}
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("orders", "redrive", null, "acme"))
			.withMessageContaining("key")
			.withMessageContaining("acme");
		assertThat(this.admin.stats("orders.dlq").pending()).isEqualTo(4);
		assertThat(this.admin.stats("orders").pending()).isZero();
	}

	@Test
	@SuppressWarnings("unchecked")
	void aBinaryPayloadOfContinuationBytesIsShownInBase64() {
		byte[] payload = new byte[FilaEndpoint.MessageDescriptor.PAYLOAD_SHOWN + 100];
		java.util.Arrays.fill(payload, (byte) 0x80);
		this.template.enqueue("orders", Map.of("tenant", "bin"), payload);
		FilaEndpoint.MessageDescriptor message = ((List<FilaEndpoint.MessageDescriptor>) this.endpoint
			.entry("orders", "messages", 1)).get(0);
		assertThat(message.payloadBytes()).isEqualTo(payload.length);
		assertThat(message.payload()).as("not UTF-8 text").isNull();
		assertThat(message.payloadBase64()).isNotNull();
		assertThat(java.util.Base64.getDecoder().decode(message.payloadBase64()))
			.hasSizeGreaterThan(FilaEndpoint.MessageDescriptor.PAYLOAD_SHOWN - 4)
			.containsOnly((byte) 0x80);
	}

	@Test
	void badWriteRequestsAreRejected() {
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("orders", "explode", null, null))
			.withMessageContaining("Unknown action 'explode'");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("missing", "purge", null, null))
			.withMessage("No queue 'missing'");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.queueAction("bad name!", "purge", null, null))
			.withMessageContaining("Invalid queue name");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("throttles", "t", null, 0.0, 1L))
			.withMessageContaining("rate > 0");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("config", "k", null, null, null))
			.withMessageContaining("needs a \"value\"");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("other", "k", "v", null, null))
			.withMessageContaining("Unknown section");
		assertThat(this.admin.listQueues()).doesNotContain("missing");
	}

	@Test
	void runtimeConfigCanBeReadAndWritten() {
		assertThat(this.endpoint.entry("config", "weight.acme", null)).isEqualTo(new ConfigEntryDescriptor("weight.acme", "5"));
		assertThat(this.endpoint.entry("config", "missing", null)).isNull();
		this.endpoint.update("config", "weight.globex", "2", null, null);
		assertThat(this.admin.getConfig("weight.globex")).contains("2");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.entry("throttles", "x", null));
	}

	@Test
	void throttlesAreSetOnEveryDriverWithBurstDefaultingToTheRate() throws Exception {
		assertThat(this.endpoint.update("throttles", "slow", null, 2.5, null))
			.isEqualTo(new ThrottleDescriptor("slow", 2.5, 3));
		this.memory.createQueue(new dev.fila.driver.QueueSpec("t", Duration.ofSeconds(30), 1, false));
		List<dev.fila.driver.OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			batch.add(new dev.fila.driver.OutgoingMessage(Map.of(), new byte[0],
					new Scheduling("k", 1, List.of("slow"))));
		}
		this.memory.enqueue("t", batch);
		assertThat(this.memory.fetch("t", 10, Duration.ZERO)).hasSize(3);
		assertThat(this.endpoint.fila().throttles()).containsOnlyKeys("slow").hasEntrySatisfying("slow", (slow) -> {
			assertThat(slow.rate()).isEqualTo(2.5);
			assertThat(slow.burst()).isEqualTo(3);
			assertThat(slow.availablePermits()).isBetween(0.0, 1.0);
		});
	}

	private static Object leased(FilaDelivery delivery) {
		// The template's deliveries wrap the driver's leased message.
		return org.springframework.test.util.ReflectionTestUtils.getField(delivery, "message");
	}

}
