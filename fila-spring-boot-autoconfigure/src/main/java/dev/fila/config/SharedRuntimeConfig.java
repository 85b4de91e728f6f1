package dev.fila.config;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * Runtime configuration in the {@code config} namespace of a {@link SettingsStore}: one value
 * for every instance on Redis or RabbitMQ, kept across restarts; {@link #get} reads the local
 * copy.
 */
public class SharedRuntimeConfig implements RuntimeConfig {

	/** The namespace of runtime configuration in the store. */
	public static final String NAMESPACE = "config";

	private final SharedSettings settings;

	/**
	 * @param settings the {@value #NAMESPACE} namespace, seeded
	 */
	public SharedRuntimeConfig(SharedSettings settings) {
		this.settings = settings;
	}

	@Override
	public Optional<String> get(String key) {
		return Optional.ofNullable(this.settings.get(key));
	}

	@Override
	public void set(String key, @Nullable String value) {
		this.settings.setAtRuntime(key, value);
	}

	@Override
	public Map<String, String> list(String prefix) {
		Map<String, String> matching = new TreeMap<>();
		this.settings.all().forEach((key, setting) -> {
			if (key.startsWith(prefix)) {
				matching.put(key, setting.value());
			}
		});
		return matching;
	}

}
