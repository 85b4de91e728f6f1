package dev.fila.autoconfigure;

import java.time.Duration;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When Fila turns on Lettuce's cluster topology refresh, and that it leaves an application's
 * own choice alone.
 */
class RedisClusterTopologyRefreshTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1");

	@Test
	void aRedisDriverGetsTopologyRefresh() {
		this.contextRunner.withPropertyValues("fila.drivers.shared.type=redis")
			.run((context) -> assertThat(context).hasSingleBean(RedisClusterTopologyRefresh.class));
	}

	@Test
	void noRedisDriverLeavesLettuceAlone() {
		this.contextRunner.withPropertyValues("fila.drivers.local.type=memory")
			.run((context) -> assertThat(context).doesNotHaveBean(RedisClusterTopologyRefresh.class));
	}

	@Test
	void anApplicationThatConfiguresRefreshKeepsItsChoice() {
		this.contextRunner
			.withPropertyValues("fila.drivers.shared.type=redis", "spring.data.redis.lettuce.cluster.refresh.adaptive=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RedisClusterTopologyRefresh.class));
		this.contextRunner
			.withPropertyValues("fila.drivers.shared.type=redis", "spring.data.redis.lettuce.cluster.refresh.period=1m")
			.run((context) -> assertThat(context).doesNotHaveBean(RedisClusterTopologyRefresh.class));
	}

	@Test
	void withoutLettuceNothingIsConfigured() {
		this.contextRunner.withPropertyValues("fila.drivers.local.type=memory")
			.withClassLoader(new FilteredClassLoader(ClusterClientOptions.class))
			.run((context) -> assertThat(context).doesNotHaveBean(RedisClusterTopologyRefresh.class));
	}

	@Test
	void clusterOptionsGetAdaptiveAndPeriodicRefresh() {
		ClusterClientOptions.Builder builder = ClusterClientOptions.builder();
		new RedisClusterTopologyRefresh(false).customize(builder);
		ClusterTopologyRefreshOptions refresh = builder.build().getTopologyRefreshOptions();
		assertThat(refresh.getAdaptiveRefreshTriggers()).contains(RefreshTrigger.PERSISTENT_RECONNECTS,
				RefreshTrigger.MOVED_REDIRECT);
		assertThat(refresh.getAdaptiveRefreshTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
		assertThat(refresh.useDynamicRefreshSources()).isFalse();
	}

}
