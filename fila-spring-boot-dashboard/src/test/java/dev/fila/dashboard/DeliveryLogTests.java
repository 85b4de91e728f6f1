package dev.fila.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DeliveryLogTests {

	private final AtomicLong now = new AtomicLong(1_000_000);

	private final DeliveryLog log = new DeliveryLog(100, Duration.ofMinutes(1), this.now::get);

	@Test
	void sharesCountTheLastMinuteOnly() {
		deliver("jobs", "old", 5);
		this.now.addAndGet(61_000);
		deliver("jobs", "noisy", 3);
		deliver("jobs", "quiet", 1);
		DeliveryLog.Counts counts = this.log.counts("jobs");
		assertThat(counts.total()).isEqualTo(4);
		assertThat(counts.count("noisy")).isEqualTo(3);
		assertThat(counts.share("quiet")).isEqualTo(0.25);
		assertThat(counts.count("old")).isZero();
		assertThat(this.log.counts("other").total()).isZero();
	}

	@Test
	void memoryIsBoundedWhateverTheNumberOfKeys() {
		for (int i = 0; i < 10_000; i++) {
			deliver("jobs", "tenant-" + i, 1);
		}
		DeliveryLog.Counts counts = this.log.counts("jobs");
		assertThat(counts.total()).isEqualTo(100);
		assertThat(counts.byKey()).hasSize(100).containsKey("tenant-9999").doesNotContainKey("tenant-0");
		assertThat(this.log.totals("jobs").delivered()).isEqualTo(10_000);
	}

	@Test
	void hugeKeysAreKeptShortened() {
		String huge = "k".repeat(100_000);
		deliver("jobs", huge, 2);
		DeliveryLog.Counts counts = this.log.counts("jobs");
		assertThat(counts.count(huge)).isEqualTo(2);
		String logged = counts.byKey().keySet().iterator().next();
		assertThat(logged.length()).isLessThan(DeliveryLog.MAX_KEY_LENGTH);
		assertThat(DeliveryLog.isWhole(logged)).isFalse();
		assertThat(DeliveryLog.loggedKey("k".repeat(100_001))).isNotEqualTo(logged);
		assertThat(DeliveryLog.isWhole("quiet")).isTrue();
	}

	@Test
	void failuresAndDeliveriesAreTotalled() {
		deliver("jobs", "a", 3);
		this.log.nacked("c", "memory", message("jobs", "a"), false);
		this.log.nacked("c", "memory", message("jobs", "a"), true);
		assertThat(this.log.totals("jobs")).isEqualTo(new DeliveryLog.Totals(3, 2));
	}

	@Test
	void boundConsumersAndReplyQueues() {
		FilaMetricsRecorder.ConsumerRecorder bound = this.log.bindConsumer("worker", "jobs", "memory");
		bound.delivered(message("jobs", "a"));
		bound.nacked(message("jobs", "a"), false);
		this.log.delivered("none", "memory", message(FilaTemplate.REPLY_QUEUE_PREFIX + "x", "a"));
		assertThat(this.log.totals("jobs")).isEqualTo(new DeliveryLog.Totals(1, 1));
		assertThat(this.log.queues()).containsExactly("jobs");
	}

	@Test
	void idleQueuesAreForgotten() {
		deliver("jobs", "a", 1);
		this.now.addAndGet(DeliveryLog.IDLE_TIMEOUT.toMillis() - 1);
		deliver("busy", "a", 1);
		assertThat(this.log.housekeeping()).isEmpty();
		this.now.addAndGet(2);
		assertThat(this.log.housekeeping()).containsExactly("jobs");
		assertThat(this.log.queues()).containsExactly("busy");
	}

	@Test
	void aBusyQueueIsSampledSoThatTheRingSpansTheWindow() {
		deliver("jobs", "warm-up", 1);
		this.log.housekeeping();
		this.now.addAndGet(1000);
		// 6,000 a second: 360,000 a minute for a ring of 100.
		deliver("jobs", "warm-up", 6000);
		this.log.housekeeping();
		this.now.addAndGet(61_000);
		for (int second = 0; second < 60; second++) {
			for (int i = 0; i < 6000; i++) {
				this.log.delivered("worker", "memory", message("jobs", (i % 4 == 0) ? "quiet" : "noisy"));
			}
			this.now.addAndGet((second < 59) ? 1000 : 0);
		}
		DeliveryLog.Counts counts = this.log.counts("jobs");
		assertThat(counts.byKey()).containsOnlyKeys("noisy", "quiet");
		assertThat(counts.share("noisy")).isBetween(0.55, 0.95);
		assertThat(counts.total()).isBetween(150_000L, 600_000L);
		assertThat(counts.count("noisy") + counts.count("quiet")).isEqualTo(counts.total());
		// Back to a trickle: every delivery is written again.
		this.log.housekeeping();
		this.now.addAndGet(10_000);
		this.log.housekeeping();
		this.now.addAndGet(61_000);
		deliver("jobs", "steady", 7);
		assertThat(this.log.counts("jobs").count("steady")).isEqualTo(7);
	}

	@Test
	void capacityMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DeliveryLog(0, Duration.ofMinutes(1), this.now::get));
	}

	private void deliver(String queue, String key, int count) {
		for (int i = 0; i < count; i++) {
			this.log.delivered("worker", "memory", message(queue, key));
		}
	}

	static FilaMessage message(String queue, String key) {
		return new FilaMessage() {

			@Override
			public String id() {
				return "1";
			}

			@Override
			public String queue() {
				return queue;
			}

			@Override
			public Map<String, String> headers() {
				return Map.of();
			}

			@Override
			public byte[] payload() {
				return new byte[0];
			}

			@Override
			public String fairnessKey() {
				return key;
			}

			@Override
			public double weight() {
				return 1;
			}

			@Override
			public List<String> throttleKeys() {
				return List.of();
			}

			@Override
			public int attempts() {
				return 1;
			}

			@Override
			public Instant enqueuedAt() {
				return Instant.EPOCH;
			}

		};
	}

}
