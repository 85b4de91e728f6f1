package dev.fila.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Keeps the Redis driver's view of a Redis Cluster current. Spring Boot leaves Lettuce's
 * cluster topology refresh off unless {@code spring.data.redis.lettuce.cluster.refresh.adaptive}
 * or {@code .period} is set, so a client learns of a failover or a resharding only through
 * redirects and reconnects. When a Fila Redis driver is declared and the
 * application configures neither property, this turns on adaptive refresh (on reconnects and
 * redirects, at most every {@value #ADAPTIVE_TIMEOUT_SECONDS} s) and a periodic refresh every
 * {@value #PERIOD_SECONDS} s. An application that sets either property keeps its own choice.
 */
final class RedisClusterTopologyRefresh implements LettuceClientOptionsBuilderCustomizer {

	static final String PROPERTIES = "spring.data.redis.lettuce.cluster.refresh";

	static final long ADAPTIVE_TIMEOUT_SECONDS = 5;

	static final long PERIOD_SECONDS = 30;

	private static final Bindable<Map<String, Map<String, Object>>> DRIVERS = Bindable
		.of(ResolvableType.forClassWithGenerics(Map.class, ResolvableType.forClass(String.class),
				ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class)));

	private final boolean dynamicRefreshSources;

	/** @param dynamicRefreshSources Boot's {@code ...refresh.dynamic-refresh-sources}, kept as set */
	RedisClusterTopologyRefresh(boolean dynamicRefreshSources) {
		this.dynamicRefreshSources = dynamicRefreshSources;
	}

	@Override
	public void customize(ClientOptions.Builder builder) {
		if (builder instanceof ClusterClientOptions.Builder cluster) {
			cluster.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
				.enableAllAdaptiveRefreshTriggers()
				.adaptiveRefreshTriggersTimeout(Duration.ofSeconds(ADAPTIVE_TIMEOUT_SECONDS))
				.enablePeriodicRefresh(Duration.ofSeconds(PERIOD_SECONDS))
				.dynamicRefreshSources(this.dynamicRefreshSources)
				.build());
		}
	}

	/**
	 * Matches when a {@code fila.drivers.*} entry has type {@code redis} and the application
	 * configures neither {@code spring.data.redis.lettuce.cluster.refresh.adaptive} nor {@code .period}.
	 */
	static final class Condition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Environment environment = context.getEnvironment();
			if (environment.containsProperty(PROPERTIES + ".adaptive")
					|| environment.containsProperty(PROPERTIES + ".period")) {
				return ConditionOutcome.noMatch("the application configures " + PROPERTIES + ".*");
			}
			Map<String, Map<String, Object>> drivers = Binder.get(environment).bind("fila.drivers", DRIVERS)
				.orElse(Map.of());
			boolean redis = drivers.values().stream().anyMatch((driver) -> "redis".equals(driver.get("type")));
			return redis ? ConditionOutcome.match("a fila.drivers entry has type redis")
					: ConditionOutcome.noMatch("no fila.drivers entry has type redis");
		}

	}

}
