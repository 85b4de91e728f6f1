package dev.fila.config;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Settings held in this JVM: what the memory driver offers (nothing is shared between
 * instances, nothing survives a restart).
 */
public class InMemorySettingsStore implements SettingsStore {

	private final Map<String, Map<String, Setting>> namespaces = new ConcurrentHashMap<>();

	private final AtomicLong version = new AtomicLong();

	@Override
	public Map<String, Setting> load(String namespace) {
		return Map.copyOf(this.namespaces.getOrDefault(namespace, Map.of()));
	}

	@Override
	public void put(String namespace, String key, @Nullable Setting setting) {
		Map<String, Setting> settings = this.namespaces.computeIfAbsent(namespace, (name) -> new ConcurrentHashMap<>());
		if (setting == null) {
			settings.remove(key);
		}
		else {
			settings.put(key, setting);
		}
		this.version.incrementAndGet();
	}

	@Override
	public long version() {
		return this.version.get();
	}

	@Override
	public String describe() {
		return "this JVM";
	}

}
