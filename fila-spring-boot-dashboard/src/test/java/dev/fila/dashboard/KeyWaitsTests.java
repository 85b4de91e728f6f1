package dev.fila.dashboard;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeyWaitsTests {

	private static final KeyWaits.Queue RUNNING = new KeyWaits.Queue(false, true, 0);

	private static final KeyWaits.Key BACKLOG = new KeyWaits.Key(5, 0, false, 0);

	@Test
	void aKeyWithoutPendingMessagesDoesNotWait() {
		assertThat(KeyWaits.of(new KeyWaits.Key(0, 3, true, 1), new KeyWaits.Queue(true, false, 9), null, Map.of()))
			.isEqualTo(KeyWaits.NONE);
	}

	@Test
	void pausedKeyOrQueueComesFirst() {
		assertThat(KeyWaits.of(new KeyWaits.Key(5, 1, true, 1), RUNNING, null, Map.of())).isEqualTo("paused");
		assertThat(KeyWaits.of(BACKLOG, new KeyWaits.Queue(true, false, null), null, Map.of())).isEqualTo("paused");
	}

	@Test
	void noConsumer() {
		assertThat(KeyWaits.of(new KeyWaits.Key(5, 1, false, 1), new KeyWaits.Queue(false, false, null), null, Map.of()))
			.isEqualTo("no consumer");
	}

	@Test
	void atInFlightLimit() {
		assertThat(KeyWaits.of(new KeyWaits.Key(5, 2, false, 2), RUNNING, null, Map.of())).isEqualTo("at in-flight limit");
		assertThat(KeyWaits.of(new KeyWaits.Key(5, 1, false, 2), RUNNING, null, Map.of())).isEqualTo("out of deficit");
	}

	@Test
	void throttledNamesTheExhaustedThrottle() {
		KeyWaits.Head head = new KeyWaits.Head(0, List.of("stripe", "sms"));
		assertThat(KeyWaits.of(BACKLOG, RUNNING, head, Map.of("stripe", 3.0, "sms", 0.4)))
			.isEqualTo("throttled (sms)");
		assertThat(KeyWaits.of(BACKLOG, RUNNING, head, Map.of("stripe", 3.0, "sms", Double.NaN)))
			.isEqualTo("out of deficit");
	}

	@Test
	void lowerPriority() {
		KeyWaits.Queue urgent = new KeyWaits.Queue(false, true, 7);
		assertThat(KeyWaits.of(BACKLOG, urgent, new KeyWaits.Head(3, List.of()), Map.of())).isEqualTo("lower priority");
		assertThat(KeyWaits.of(BACKLOG, urgent, new KeyWaits.Head(7, List.of()), Map.of())).isEqualTo("out of deficit");
		// Without a peek, neither throttles nor priorities are checked.
		assertThat(KeyWaits.of(BACKLOG, urgent, null, Map.of())).isEqualTo("out of deficit");
	}

}
