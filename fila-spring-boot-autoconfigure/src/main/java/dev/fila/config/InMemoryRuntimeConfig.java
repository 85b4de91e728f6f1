package dev.fila.config;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Runtime configuration held in this JVM. Reads are lock-free: hooks call {@link #get} on
 * every message.
 */
public class InMemoryRuntimeConfig implements RuntimeConfig {

	private final Map<String, String> values = new ConcurrentHashMap<>();

	public InMemoryRuntimeConfig(Map<String, String> seed) {
		this.values.putAll(seed);
	}

	@Override
	public Optional<String> get(String key) {
		return Optional.ofNullable(this.values.get(key));
	}

	@Override
	public void set(String key, @Nullable String value) {
		if (value == null) {
			this.values.remove(key);
		}
		else {
			this.values.put(key, value);
		}
	}

	@Override
	public Map<String, String> list(String prefix) {
		Map<String, String> matching = new TreeMap<>();
		this.values.forEach((key, value) -> {
			if (key.startsWith(prefix)) {
				matching.put(key, value);
			}
		});
		return matching;
	}

}
