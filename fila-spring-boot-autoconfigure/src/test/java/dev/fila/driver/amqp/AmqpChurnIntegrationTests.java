package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.core.FilaHeaders;
import dev.fila.driver.ChurnWorkload;
import dev.fila.driver.LeasedMessage;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.scheduling.FailureDecision;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Memory stays bounded under churn: request-replies (a temporary reply queue each), thousands
 * of fairness keys used once and delayed retries leave no state behind in either instance.
 */
class AmqpChurnIntegrationTests {

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final List<AmqpDriver> drivers = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		for (AmqpDriver driver : this.drivers) {
			for (String queue : driver.listQueues()) {
				driver.deleteQueue(queue);
			}
			driver.close();
		}
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	private AmqpDriver driver(int keyShards) {
		AmqpDriver driver = new AmqpDriver("amqp", this.connectionFactory,
				AmqpTestSupport.options(this.prefix, keyShards));
		this.drivers.add(driver);
		return driver;
	}

	@Test
	void requestRepliesLeaveNoStateInTheRequesterNorInTheResponder() throws Exception {
		AmqpDriver requester = driver(0);
		// Another application instance: it declares and publishes to every reply queue.
		AmqpDriver responder = driver(0);
		ChurnWorkload.requestReplies(requester, responder, "rpc", 10, 2);
		Map<String, Integer> requesterBaseline = requester.footprint();
		Map<String, Integer> responderBaseline = responder.footprint();
		int replies = ChurnWorkload.requestReplies(requester, responder, "rpc", 2_000, 8);
		assertThat(replies).isEqualTo(2_000);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(requester.footprint()).isEqualTo(requesterBaseline);
			assertThat(responder.footprint()).isEqualTo(responderBaseline);
		});
		assertThat(requester.listQueues()).containsExactly("rpc");
	}

	@Test
	void fairnessKeysUsedOnceAreForgottenWhenIdleWithKeyShards() throws Exception {
		AmqpDriver driver = driver(4);
		driver.forgetKeysAfter(Duration.ofMillis(300));
		driver.createQueue(new QueueSpec("tenants", Duration.ofSeconds(30), 1, false));
		ChurnWorkload.distinctKeys(driver, "tenants", "warm-", 1);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(driver.footprint())
			.containsEntry("weights", 0)
			.containsEntry("declaredKeys", 0)
			.containsEntry("sessionKeys", 0));
		Map<String, Integer> baseline = driver.footprint();
		assertThat(ChurnWorkload.distinctKeys(driver, "tenants", "tenant-", 5_000)).isEqualTo(5_000);
		// The consumer goes on fetching, as a listener does: drained keys leave its schedule.
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(driver.fetch("tenants", 200, Duration.ofMillis(50))).isEmpty();
			assertThat(driver.footprint()).isEqualTo(baseline);
		});
		// The key log keeps the first keys' places (all 5,000 here, under the limit), no more.
		assertThat(driver.keyLog().keyCount()).isLessThanOrEqualTo(AmqpTopology.SHARD_PLACED_KEYS);
	}

	@Test
	void withKeyShardsOnlyTheFirstKeysOfTheLogAreKeptAndLaterOnesTakeTheirHashedShard() throws Exception {
		AmqpDriver driver = driver(4);
		driver.keyLog().limitKeys(100);
		driver.createQueue(new QueueSpec("many", Duration.ofSeconds(30), 1, false));
		assertThat(ChurnWorkload.distinctKeys(driver, "many", "tenant-", 2_000)).isEqualTo(2_000);
		assertThat(driver.keyLog().keysFull("many")).isTrue();
		assertThat(driver.keyLog().keyCount()).isLessThanOrEqualTo(120);
		// A key past the limit has no place and goes to the shard of its hash, in every instance.
		assertThat(driver.keyLog().ordinal("many", "tenant-1999")).isNull();
		assertThat(driver.keyQueue("many", "tenant-1999"))
			.isEqualTo(driver.names().shardQueue("many", Math.floorMod("tenant-1999".hashCode(), 4)));
	}

	@Test
	void aCrashedRequestersReplyQueuesExpireALiveRequestsDoNot() throws Exception {
		AmqpDriver requester = driver(0);
		AmqpDriver responder = driver(0);
		requester.replyQueueExpiry(Duration.ofSeconds(1));
		responder.replyQueueExpiry(Duration.ofSeconds(1));
		// A requester that died after creating its reply queue, and a reply that came anyway.
		requester.createQueue(new QueueSpec("fila-reply-crashed", Duration.ofSeconds(30), 1, false,
				Duration.ofSeconds(61)));
		responder.enqueue("fila-reply-crashed", List.of(new OutgoingMessage(Map.of(), new byte[] { 1 },
				Scheduling.DEFAULT)));
		List<String> rabbitQueues = List.of(requester.names().retryQueue("fila-reply-crashed"),
				requester.names().keyQueue("fila-reply-crashed", Scheduling.DEFAULT_KEY));
		assertThat(rabbitQueues).allMatch((queue) -> requester.channels().readyCount(queue) >= 0);
		// Asking (a passive declare) counts as using a queue: ask less often than it expires.
		await().pollDelay(Duration.ofSeconds(3)).pollInterval(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(rabbitQueues).allMatch((queue) -> requester.channels().readyCount(queue) < 0));
		assertThat(responder.listQueues()).doesNotContain("fila-reply-crashed");
		// A live request's reply queues are in use (consumed) until the reply, 3 expiries later.
		requester.createQueue(new QueueSpec("slow", Duration.ofSeconds(30), 1, false));
		Thread slowResponder = new Thread(() -> {
			try {
				List<LeasedMessage> requests = List.of();
				while (requests.isEmpty()) {
					requests = responder.fetch("slow", 1, Duration.ofSeconds(5));
				}
				Thread.sleep(3_000);
				LeasedMessage request = requests.get(0);
				responder.enqueue(request.headers().get(FilaHeaders.REPLY_TO),
						List.of(new OutgoingMessage(Map.of(FilaHeaders.CORRELATION_ID,
								request.headers().get(FilaHeaders.CORRELATION_ID)), "late".getBytes(StandardCharsets.UTF_8),
								Scheduling.DEFAULT)));
				responder.ack(request);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		slowResponder.start();
		assertThat(ChurnWorkload.template(requester, "slow")
			.request("slow", Map.of(), "hello", String.class, Duration.ofSeconds(20))).isEqualTo("late");
		slowResponder.join();
	}

	@Test
	void delayedRetriesAreForgottenOnceDue() throws Exception {
		AmqpDriver driver = driver(0);
		driver.createQueue(new QueueSpec("retries", Duration.ofSeconds(30), 1, false));
		Map<String, Integer> baseline = driver.footprint();
		assertThat(baseline).containsEntry("localDelays", 0);
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < 500; i++) {
			batch.add(new OutgoingMessage(Map.of(), "m".getBytes(StandardCharsets.UTF_8), Scheduling.DEFAULT));
		}
		driver.enqueue("retries", batch);
		int retried = 0;
		while (retried < 500) {
			for (LeasedMessage message : driver.fetch("retries", 100, Duration.ofSeconds(2))) {
				assertThat(driver.nack(message, new FailureDecision.Retry(Duration.ofMillis(50)), "again")).isTrue();
				retried++;
			}
		}
		int acked = 0;
		while (acked < 500) {
			List<LeasedMessage> fetched = driver.fetch("retries", 100, Duration.ofSeconds(2));
			for (boolean ok : driver.ackAll(fetched)) {
				acked += ok ? 1 : 0;
			}
		}
		// Nobody asked for stats: the due times of the retries must not stay anyway.
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(driver.footprint().get("localDelays")).isEqualTo(baseline.get("localDelays")));
	}

}
