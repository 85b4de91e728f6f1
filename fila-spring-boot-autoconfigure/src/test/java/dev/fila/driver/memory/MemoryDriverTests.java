package dev.fila.driver.memory;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory driver against the shared driver contract, plus what only it has.
 */
class MemoryDriverTests extends DriverContractTests {

	@Override
	protected FilaDriver createDriver() {
		return new MemoryDriver("memory");
	}

	@Test
	void countsExpiredLeases() throws Exception {
		String queue = createQueue(Duration.ofMillis(100));
		this.driver.enqueue(queue, List.of(message("x", "k")));
		LeasedMessage first = fetchOne(queue);
		LeasedMessage second = fetchOne(queue);
		assertThat(second.attempts()).isEqualTo(first.attempts() + 1);
		assertThat(((MemoryDriver) this.driver).expiredLeases(queue)).isEqualTo(1);
	}

	@Test
	void settledLeasesDoNotPileUpUntilTheirDeadline() throws Exception {
		String queue = createQueue(Duration.ofMinutes(5));
		MemoryDriver memory = (MemoryDriver) this.driver;
		for (int round = 0; round < 50; round++) {
			List<dev.fila.driver.OutgoingMessage> batch = new java.util.ArrayList<>();
			for (int i = 0; i < 200; i++) {
				batch.add(message("m", "k" + (i % 7)));
			}
			this.driver.enqueue(queue, batch);
			for (LeasedMessage message : this.driver.fetch(queue, 200, Duration.ofSeconds(1))) {
				this.driver.ack(message);
			}
		}
		assertThat(memory.queue(queue).leaseDeadlineCount()).isLessThanOrEqualTo(1024);
	}

	@Test
	void fairnessKeyStateIsForgottenWhenAKeyHasNoMessagesLeft() throws Exception {
		String queue = createQueue();
		for (int i = 0; i < 100; i++) {
			this.driver.enqueue(queue, List.of(message("m", "key-" + i)));
		}
		for (LeasedMessage message : this.driver.fetch(queue, 100, Duration.ofSeconds(1))) {
			this.driver.ack(message);
		}
		assertThat(this.driver.stats(queue).keys()).isEmpty();
	}

}
