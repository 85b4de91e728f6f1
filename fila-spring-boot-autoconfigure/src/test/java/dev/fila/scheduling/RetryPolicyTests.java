package dev.fila.scheduling;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RetryPolicyTests {

	private final RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), 3.0, Duration.ofMillis(500));

	@Test
	void delaysGrowByTheMultiplierUpToTheCap() {
		assertThat(this.policy.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
		assertThat(this.policy.delayAfter(2)).isEqualTo(Duration.ofMillis(300));
		assertThat(this.policy.delayAfter(3)).isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void retriesUntilTheLastAttemptThenDeadLetters() {
		assertThat(this.policy.decide(1)).isEqualTo(FailureDecision.retry(Duration.ofMillis(100)));
		assertThat(this.policy.decide(3)).isEqualTo(FailureDecision.retry(Duration.ofMillis(500)));
		assertThat(this.policy.decide(4)).isEqualTo(FailureDecision.deadLetter());
	}

	@Test
	void oneAttemptMeansDeadLetterOnFirstFailure() {
		RetryPolicy once = new RetryPolicy(1, Duration.ZERO, 1, Duration.ZERO);
		assertThat(once.decide(1)).isEqualTo(FailureDecision.deadLetter());
	}

	@Test
	void defaultsMatchTheDocumentedValues() {
		assertThat(RetryPolicy.DEFAULT.maxAttempts()).isEqualTo(5);
		assertThat(RetryPolicy.DEFAULT.initialDelay()).isEqualTo(Duration.ofSeconds(1));
		assertThat(RetryPolicy.DEFAULT.multiplier()).isEqualTo(2.0);
		assertThat(RetryPolicy.DEFAULT.maxDelay()).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void rejectsBadSettings() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryPolicy(0, Duration.ZERO, 1, Duration.ZERO));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryPolicy(1, Duration.ZERO, 0.5, Duration.ZERO));
	}

}
