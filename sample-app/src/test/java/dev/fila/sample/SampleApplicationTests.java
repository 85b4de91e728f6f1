package dev.fila.sample;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Boots the sample (its runner runs the three patterns during start-up) and checks that each
 * pattern completed. The Lua hook limit is raised from its 10ms default so that the first,
 * cold calls of the on-enqueue hook cannot time out on a slow build machine and skew the
 * fairness result.
 */
@SpringBootTest(properties = "fila.lua.timeout=200ms")
class SampleApplicationTests {

	@Autowired
	private ProducerConsumer producerConsumer;

	@Autowired
	private FairFanOut fairFanOut;

	@Autowired
	private RequestReply requestReply;

	@Test
	void producerConsumerHandledEveryOrderWithTwoWorkers() {
		ProducerConsumer.Result result = this.producerConsumer.lastResult();
		assertThat(result).isNotNull();
		assertThat(result.processed()).isEqualTo(result.enqueued()).isEqualTo(20);
		assertThat(result.ordersByCustomer()).containsOnlyKeys("acme", "globex", "initech");
		assertThat(result.ordersByCustomer().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(20);
		assertThat(result.workers()).isNotEmpty().hasSizeLessThanOrEqualTo(2);
	}

	@Test
	void fairnessKeysServeTheQuietTenantEarly() {
		FairFanOut.Result result = this.fairFanOut.lastResult();
		assertThat(result).isNotNull();
		assertThat(result.quietPositions()).hasSize(10);
		// FIFO would deliver them at 1001..1010; the contract promises the first 30 deliveries.
		assertThat(result.lastQuietPosition()).isLessThanOrEqualTo(30);
		assertThat(result.backlog()).extracting("key").containsExactlyInAnyOrder("noisy", "quiet");
	}

	@Test
	void requestReplyReturnedTheListenersReply() {
		RequestReply.Result result = this.requestReply.lastResult();
		assertThat(result).isNotNull();
		assertThat(result.reply()).isEqualTo(new RequestReply.Quote("widget", 12, new BigDecimal("48.60")));
	}

}
