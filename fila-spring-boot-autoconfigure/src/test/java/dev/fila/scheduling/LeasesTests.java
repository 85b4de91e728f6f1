package dev.fila.scheduling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LeasesTests {

	private final Leases<String> leases = new Leases<>();

	@Test
	void leasesExpireInDeadlineOrderAtTheirDeadline() {
		this.leases.lease("1", "late", 100);
		this.leases.lease("2", "early", 50);
		assertThat(this.leases.nanosUntilNextDeadline(20)).isEqualTo(30);
		assertThat(this.leases.pollExpired(49)).isNull();
		assertThat(this.leases.pollExpired(50)).isEqualTo("early");
		assertThat(this.leases.pollExpired(99)).isNull();
		assertThat(this.leases.pollExpired(100)).isEqualTo("late");
		assertThat(this.leases.size()).isZero();
		assertThat(this.leases.nanosUntilNextDeadline(100)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void anExtendedLeaseExpiresAtItsNewDeadlineOnly() {
		this.leases.lease("1", "a", 100);
		assertThat(this.leases.extend("1", 200)).isTrue();
		assertThat(this.leases.pollExpired(150)).isNull();
		assertThat(this.leases.get("1")).isEqualTo("a");
		assertThat(this.leases.pollExpired(200)).isEqualTo("a");
		assertThat(this.leases.pollExpired(1000)).isNull();
	}

	@Test
	void aSettledLeaseNeitherExpiresNorExtends() {
		this.leases.lease("1", "a", 100);
		assertThat(this.leases.take("1")).isEqualTo("a");
		assertThat(this.leases.take("1")).isNull();
		assertThat(this.leases.extend("1", 500)).isFalse();
		assertThat(this.leases.get("1")).isNull();
		assertThat(this.leases.pollExpired(1000)).isNull();
	}

	@Test
	void anExpiredLeaseCannotBeSettled() {
		this.leases.lease("1", "a", 100);
		assertThat(this.leases.pollExpired(100)).isEqualTo("a");
		assertThat(this.leases.take("1")).isNull();
	}

	@Test
	void deadlinesOfSettledLeasesDoNotPileUp() {
		for (int i = 0; i < 10_000; i++) {
			this.leases.lease(Integer.toString(i), "item", 1_000_000);
			this.leases.extend(Integer.toString(i), 2_000_000);
			this.leases.take(Integer.toString(i));
		}
		assertThat(this.leases.deadlineCount()).isLessThanOrEqualTo(Leases.COMPACT_ABOVE + 1);
		this.leases.lease("live", "item", 5);
		assertThat(this.leases.pollExpired(5)).isEqualTo("item");
	}

}
