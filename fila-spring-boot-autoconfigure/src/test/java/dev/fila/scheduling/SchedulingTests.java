package dev.fila.scheduling;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SchedulingTests {

	@Test
	void keysAreWhatTheirUtf8BytesSayInEveryDriver() {
		Scheduling scheduling = new Scheduling("a\uD800b", 1, List.of("\uDC00", "\uD83D\uDE00"));
		assertThat(scheduling.fairnessKey()).isEqualTo("a?b")
			.isEqualTo(new String("a\uD800b".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
		assertThat(scheduling.throttleKeys()).containsExactly("?", "\uD83D\uDE00");
	}

	@Test
	void missingKeyAndBadWeightFallBackToDefaults() {
		Scheduling scheduling = new Scheduling("", Double.NaN, null);
		assertThat(scheduling.fairnessKey()).isEqualTo(Scheduling.DEFAULT_KEY);
		assertThat(scheduling.weight()).isEqualTo(1);
		assertThat(scheduling.throttleKeys()).isEmpty();
	}

}
