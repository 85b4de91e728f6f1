package dev.fila.dashboard;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static dev.fila.dashboard.DeliveryLogTests.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DeliveryRatesTests {

	private final AtomicLong now = new AtomicLong(1_000_000);

	private final DeliveryLog log = new DeliveryLog(100, Duration.ofMinutes(1), this.now::get);

	private final DeliveryRates rates = new DeliveryRates(this.log, Duration.ofSeconds(2), Duration.ofSeconds(10),
			this.now::get);

	@Test
	void ratesPerSecondBetweenSamples() {
		this.rates.sample();
		assertThat(this.rates.rates("jobs")).isEmpty();
		deliver(10);
		this.log.nacked("w", "memory", message("jobs", "a"), false);
		this.now.addAndGet(2000);
		this.rates.sample();
		assertThat(this.rates.rates("jobs")).isEmpty();
		deliver(8);
		this.log.nacked("w", "memory", message("jobs", "a"), true);
		this.log.nacked("w", "memory", message("jobs", "a"), true);
		this.now.addAndGet(2000);
		this.rates.sample();
		assertThat(this.rates.rates("jobs")).containsExactly(new DeliveryRates.Rate(this.now.get(), 4.0, 1.0));
	}

	@Test
	void theRingKeepsTheWindow() {
		for (int i = 0; i < 20; i++) {
			deliver(i);
			this.now.addAndGet(2000);
			this.rates.sample();
		}
		assertThat(this.rates.rates("jobs")).hasSize(5);
		assertThat(this.rates.rates("jobs").get(4).delivered()).isEqualTo(9.5);
		assertThat(this.rates.rates("jobs").get(0).t()).isLessThan(this.rates.rates("jobs").get(4).t());
	}

	@Test
	void forgottenQueuesLoseTheirRates() {
		deliver(1);
		this.rates.sample();
		this.now.addAndGet(2000);
		deliver(1);
		this.rates.sample();
		assertThat(this.rates.rates("jobs")).hasSize(1);
		this.now.addAndGet(DeliveryLog.IDLE_TIMEOUT.toMillis() + 1);
		this.rates.sample();
		assertThat(this.rates.rates("jobs")).isEmpty();
	}

	@Test
	void samplesOnADaemonThreadUntilClosed() {
		DeliveryRates live = new DeliveryRates(this.log, Duration.ofMillis(20), Duration.ofSeconds(1),
				System::currentTimeMillis);
		try {
			live.start();
			live.start();
			assertThat(live.isRunning()).isTrue();
			deliver(5);
			await().atMost(Duration.ofSeconds(5)).until(() -> !live.rates("jobs").isEmpty());
			assertThat(Thread.getAllStackTraces().keySet())
				.filteredOn((thread) -> thread.getName().equals("fila-dashboard-rates"))
				.allMatch(Thread::isDaemon);
		}
		finally {
			live.close();
		}
		assertThat(live.isRunning()).isFalse();
	}

	private void deliver(int count) {
		for (int i = 0; i < count; i++) {
			this.log.delivered("w", "memory", message("jobs", "a"));
		}
	}

}
