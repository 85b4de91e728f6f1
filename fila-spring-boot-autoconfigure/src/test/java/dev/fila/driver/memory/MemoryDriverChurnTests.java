package dev.fila.driver.memory;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.driver.ChurnWorkload;
import dev.fila.driver.QueueSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory stays bounded under churn: request-replies (a temporary reply queue each) and
 * thousands of fairness keys used once leave nothing behind.
 */
class MemoryDriverChurnTests {

	private final MemoryDriver driver = new MemoryDriver("memory");

	@AfterEach
	void close() {
		this.driver.close();
	}

	@Test
	void requestRepliesLeaveNoQueuesBehind() throws Exception {
		assertThat(ChurnWorkload.requestReplies(this.driver, this.driver, "rpc", 2_000, 4)).isEqualTo(2_000);
		assertThat(this.driver.listQueues()).containsExactly("rpc");
	}

	@Test
	void idleFairnessKeysAreKeptUpToABound() throws Exception {
		this.driver.createQueue(new QueueSpec("tenants", Duration.ofSeconds(30), 1, false));
		int keys = MemoryQueue.MAX_IDLE_KEYS + 5_000;
		assertThat(ChurnWorkload.distinctKeys(this.driver, "tenants", "tenant-", keys)).isEqualTo(keys);
		assertThat(this.driver.queue("tenants").keyCount()).isLessThanOrEqualTo(MemoryQueue.MAX_IDLE_KEYS);
	}

}
