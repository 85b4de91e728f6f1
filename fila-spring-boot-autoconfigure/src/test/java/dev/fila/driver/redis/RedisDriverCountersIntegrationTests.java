package dev.fila.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.fila.driver.OutgoingMessage;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counters the metrics read through the driver SPI, on the real Redis: expired leases
 * (kept in Redis for all instances) and throttle-limited fetches (counted by this instance).
 */
class RedisDriverCountersIntegrationTests extends AbstractRedisDriverTests {

	private static OutgoingMessage message(List<String> throttles) {
		return new OutgoingMessage(Map.of(), new byte[] { 1 }, new Scheduling("k", 1, throttles));
	}

	@Test
	void countsFetchesAThrottleHeldBack() throws Exception {
		String queue = createQueue(Duration.ofSeconds(30));
		String throttle = "t-" + UUID.randomUUID();
		this.driver.setThrottle(throttle, 0.001, 1);
		this.driver.enqueue(queue, List.of(message(List.of(throttle)), message(List.of(throttle))));
		assertThat(this.driver.throttleLimited(queue)).isZero();
		assertThat(this.driver.fetch(queue, 1, Duration.ZERO)).hasSize(1);
		assertThat(this.driver.fetch(queue, 1, Duration.ZERO)).isEmpty();
		assertThat(this.driver.throttleLimited(queue)).isEqualTo(1);
		assertThat(this.driver.throttleLimited("other")).isZero();
	}

	@Test
	void countsExpiredLeases() throws Exception {
		String queue = createQueue(Duration.ofMillis(100));
		this.driver.enqueue(queue, List.of(message(List.of())));
		assertThat(this.driver.fetch(queue, 1, Duration.ZERO)).hasSize(1);
		Thread.sleep(150);
		assertThat(this.driver.fetch(queue, 1, Duration.ofSeconds(1))).hasSize(1);
		assertThat(this.driver.expiredLeases(queue)).isEqualTo(1);
	}

}
