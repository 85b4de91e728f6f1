package dev.fila.driver.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisVersionTests {

	@Test
	void aSingleNodeNeeds62() {
		assertThat(RedisVersion.problem("6.2.0", false)).isNull();
		assertThat(RedisVersion.problem("7.4.1", false)).isNull();
		assertThat(RedisVersion.problem("10.0", false)).isNull();
		assertThat(RedisVersion.problem("6.0.16", false)).isEqualTo("a Redis 6.2 or later; this one is 6.0.16");
		assertThat(RedisVersion.problem("5.0.7", false)).isEqualTo("a Redis 6.2 or later; this one is 5.0.7");
	}

	@Test
	void aClusterNeeds70() {
		assertThat(RedisVersion.problem("7.0.15", true)).isNull();
		assertThat(RedisVersion.problem("6.2.14", true)).isEqualTo("a Redis Cluster 7.0 or later; this one is 6.2.14");
	}

	@Test
	void aVersionItCannotReadIsGivenTheBenefitOfTheDoubt() {
		assertThat(RedisVersion.problem(null, false)).isNull();
		assertThat(RedisVersion.problem("unstable", false)).isNull();
		assertThat(RedisVersion.problem("", true)).isNull();
	}

}
