package dev.fila.driver.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/** The wake-up protocol, without Redis: notifications arrive through {@code bump}. */
class QueueSignalsTests {

	private final QueueSignals signals = new QueueSignals(mock(RedisConnectionFactory.class), "fila:notify");

	private static LeasedMessage leased(String id) {
		return new LeasedMessage(id, "q", Map.of(), new byte[0], "k", 1, List.of(), 1, Instant.EPOCH, "1");
	}

	@Test
	void aHandOffIsKeptOnlyWhileAFetchOfItsQueueIsEntered() {
		assertThat(this.signals.handOff("q", List.of(leased("a")))).isFalse();
		assertThat(this.signals.size()).isZero();
		this.signals.enter("q");
		assertThat(this.signals.handOff("q", List.of(leased("a"), leased("b"), leased("c")))).isTrue();
		assertThat(this.signals.takeHandedOff("q", 2)).extracting(LeasedMessage::id).containsExactly("a", "b");
		assertThat(this.signals.takeHandedOff("q", 2)).extracting(LeasedMessage::id).containsExactly("c");
		assertThat(this.signals.takeHandedOff("q", 2)).isEmpty();
		this.signals.exit("q");
	}

	@Test
	void whatTheLastFetchLeavesIsGivenBackAndAHandOffWakesAWaiter() throws Exception {
		List<LeasedMessage> givenBack = new ArrayList<>();
		this.signals.handOffs(new byte[0], (body) -> {
		}, givenBack::addAll);
		this.signals.enter("q");
		this.signals.enter("q");
		long seen = this.signals.version("q");
		assertThat(this.signals.handOff("q", List.of(leased("a"), leased("b")))).isTrue();
		long start = System.nanoTime();
		this.signals.await("q", seen, TimeUnit.SECONDS.toNanos(5));
		assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
		this.signals.exit("q");
		assertThat(givenBack).as("another fetch is still entered").isEmpty();
		this.signals.exit("q");
		assertThat(givenBack).extracting(LeasedMessage::id).containsExactly("a", "b");
		assertThat(this.signals.size()).isZero();
	}

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
