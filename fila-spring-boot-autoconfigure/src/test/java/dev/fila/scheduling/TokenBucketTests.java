package dev.fila.scheduling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TokenBucketTests {

	private static final long SECOND = 1_000_000_000L;

	@Test
	void startsFullAndGrantsTheBurst() {
		TokenBucket bucket = new TokenBucket(10, 3, 0);
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(0)).isFalse();
	}

	@Test
	void refillsAtTheRate() {
		TokenBucket bucket = new TokenBucket(10, 1, 0);
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(SECOND / 20)).isFalse();
		assertThat(bucket.tryAcquire(SECOND / 10)).isTrue();
	}

	@Test
	void neverGrantsMoreThanBurstPlusRateTimesTime() {
		TokenBucket bucket = new TokenBucket(20, 5, 0);
		int granted = 0;
		for (long now = 0; now <= 2 * SECOND; now += SECOND / 1000) {
			while (bucket.tryAcquire(now)) {
				granted++;
			}
		}
		assertThat(granted).isLessThanOrEqualTo(5 + 20 * 2).isGreaterThanOrEqualTo(44);
	}

	@Test
	void tellsHowLongUntilTheNextPermit() {
		TokenBucket bucket = new TokenBucket(4, 1, 0);
		assertThat(bucket.nanosUntilPermit(0)).isZero();
		bucket.tryAcquire(0);
		assertThat(bucket.nanosUntilPermit(0)).isEqualTo(SECOND / 4);
		assertThat(bucket.nanosUntilPermit(SECOND / 8)).isEqualTo(SECOND / 8);
		assertThat(bucket.hasPermit(SECOND / 4)).isTrue();
	}

	@Test
	void reconfigureKeepsEarnedTokensUpToTheNewBurst() {
		TokenBucket bucket = new TokenBucket(1, 10, 0);
		bucket.reconfigure(100, 2, 0);
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(0)).isTrue();
		assertThat(bucket.tryAcquire(0)).isFalse();
		assertThat(bucket.rate()).isEqualTo(100);
		assertThat(bucket.burst()).isEqualTo(2);
	}

	@Test
	void rejectsBadSettings() {
		assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(0, 1, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(1, 0, 0));
	}

}
