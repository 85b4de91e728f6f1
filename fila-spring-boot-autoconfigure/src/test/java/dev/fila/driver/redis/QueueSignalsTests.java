package dev.fila.driver.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/** The wake-up protocol, without Redis: notifications arrive through {@code bump}. */
class QueueSignalsTests {

	private final QueueSignals signals = new QueueSignals(mock(RedisConnectionFactory.class), "fila:notify");

	@Test
	void aNotificationForAQueueNobodyFetchesCreatesNothing() {
		for (int i = 0; i < 1_000; i++) {
			this.signals.bump("fila-reply-" + i);
			this.signals.wakeUp("fila-reply-" + i);
		}
		assertThat(this.signals.size()).isZero();
	}

	@Test
	void theEntryLivesWhileAFetchRunsAndGoesWithTheLast() {
		this.signals.enter("q");
		this.signals.enter("q");
		this.signals.exit("q");
		assertThat(this.signals.size()).isOne();
		this.signals.exit("q");
		assertThat(this.signals.size()).isZero();
	}

	@Test
	void aNotificationBetweenSamplingAndWaitingIsNotMissed() throws Exception {
		this.signals.enter("q");
		long seen = this.signals.version("q");
		this.signals.bump("q");
		long start = System.nanoTime();
		this.signals.await("q", seen, TimeUnit.SECONDS.toNanos(5));
		assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
		this.signals.exit("q");
	}

	@Test
	void aNotificationWakesAWaiter() throws Exception {
		this.signals.enter("q");
		long seen = this.signals.version("q");
		CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
			long start = System.nanoTime();
			try {
				this.signals.await("q", seen, TimeUnit.SECONDS.toNanos(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return System.nanoTime() - start;
		});
		Thread.sleep(100);
		this.signals.bump("q");
		assertThat(waited.get(5, TimeUnit.SECONDS)).isLessThan(TimeUnit.SECONDS.toNanos(5));
		this.signals.exit("q");
		assertThat(this.signals.size()).isZero();
	}

}
