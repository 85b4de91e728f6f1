package dev.fila.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Two instances share one store: what one changes the other sees after a poll; a restart
 * with unchanged configuration keeps run-time changes.
 */
class SharedSettingsTests {

	private final InMemorySettingsStore store = new InMemorySettingsStore();

	@Test
	void aRuntimeChangeReachesTheOtherInstanceOnItsNextPollAndItsListeners() {
		SharedSettings first = seeded(Map.of("weight.acme", "5"));
		SharedSettings second = seeded(Map.of("weight.acme", "5"));
		SettingsWatcher watcher = new SettingsWatcher(this.store, Duration.ofDays(1));
		watcher.watch(second);
		watcher.poll();
		List<String> changes = new ArrayList<>();
		second.addListener((key, setting) -> changes.add(key + "=" + ((setting != null) ? setting.value() : null)));
		first.setAtRuntime("weight.acme", "9");
		first.setAtRuntime("weight.new", "1");
		assertThat(first.get("weight.acme")).isEqualTo("9");
		assertThat(second.get("weight.acme")).isEqualTo("5");
		watcher.poll();
		assertThat(second.get("weight.acme")).isEqualTo("9");
		assertThat(changes).containsExactlyInAnyOrder("weight.acme=9", "weight.new=1");
		first.setAtRuntime("weight.new", null);
		watcher.poll();
		assertThat(second.all()).doesNotContainKey("weight.new");
		assertThat(changes).endsWith("weight.new=null");
	}

	@Test
	void aRestartWithTheSameConfigurationKeepsTheRuntimeValueAndAChangedOneAppliesOtherwise() {
		seeded(Map.of("a", "1", "b", "1")).setAtRuntime("a", "2");
		SharedSettings restarted = seeded(Map.of("a", "1", "b", "3"));
		assertThat(restarted.get("a")).isEqualTo("2");
		assertThat(restarted.get("b")).isEqualTo("3");
	}

	@Test
	void aListenerThatThrowsDoesNotStopTheOthersOrTheChange() {
		SharedSettings settings = seeded(Map.of());
		List<String> seen = new ArrayList<>();
		settings.addListener((key, setting) -> {
			throw new IllegalStateException("broken listener");
		});
		settings.addListener((key, setting) -> seen.add(key));
		assertThatNoException().isThrownBy(() -> settings.setAtRuntime("k", "v"));
		assertThat(seen).containsExactly("k");
		assertThat(settings.get("k")).isEqualTo("v");
	}

	@Test
	void aStoreThatFailsLeavesTheLastValuesInPlace() {
		SharedSettings settings = seeded(Map.of("k", "v"));
		SettingsStore broken = new InMemorySettingsStore() {

			@Override
			public long version() {
				throw new IllegalStateException("Redis is down");
			}

		};
		SettingsWatcher watcher = new SettingsWatcher(broken, Duration.ofDays(1));
		watcher.watch(settings);
		assertThatNoException().isThrownBy(watcher::poll);
		assertThat(settings.get("k")).isEqualTo("v");
	}

	private SharedSettings seeded(Map<String, String> configured) {
		SharedSettings settings = new SharedSettings(this.store, "config");
		settings.seed(configured, "fila.config");
		return settings;
	}

}
