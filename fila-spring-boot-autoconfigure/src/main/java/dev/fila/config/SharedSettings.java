package dev.fila.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace of a {@link SettingsStore} with a local copy: reads are in-memory (Lua hooks
 * read runtime config on every message), writes go to the store first, and a
 * {@link SettingsWatcher} reloads the copy when another instance changes the store.
 */
public final class SharedSettings {

	private static final Logger logger = LoggerFactory.getLogger(SharedSettings.class);

	private static final int MAX_LOGGED_VALUE = 200;

	private final SettingsStore store;

	private final String namespace;

	private final Object lock = new Object();

	private volatile Map<String, Setting> current = Map.of();

	private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * @param store where the settings live
	 * @param namespace the namespace, e.g. {@code config}
	 */
	public SharedSettings(SettingsStore store, String namespace) {
		this.store = store;
		this.namespace = namespace;
	}

	/** @return the namespace */
	public String namespace() {
		return this.namespace;
	}

	/**
	 * Applies the configured values at start-up by {@link SettingsSeeding}'s rule, then loads
	 * the namespace.
	 * @param configured the configured values by key
	 * @param property the configuration property holding them, e.g. {@code fila.config}, for
	 * warnings
	 */
	public void seed(Map<String, String> configured, String property) {
		seed(configured, (key) -> true, property);
	}

	/**
	 * Like {@link #seed(Map, String)}, for the stored keys in {@code scope} only: the others are
	 * left as they are, whatever the configuration says (for example the settings of queues
	 * this application does not declare).
	 * @param configured the configured values by key, all in scope
	 * @param scope the keys this configuration speaks for
	 * @param property the configuration property holding them, for warnings
	 */
	public void seed(Map<String, String> configured, Predicate<String> scope, String property) {
		Map<String, Setting> stored = new HashMap<>();
		this.store.load(this.namespace).forEach((key, setting) -> {
			if (scope.test(key)) {
				stored.put(key, setting);
			}
		});
		for (SettingsSeeding.Step step : SettingsSeeding.plan(configured, stored)) {
			switch (step.action()) {
				case WRITE -> this.store.put(this.namespace, step.key(),
						Setting.configured(Objects.requireNonNull(step.configured())));
				case REMOVE -> this.store.put(this.namespace, step.key(), null);
				case KEEP_RUNTIME -> logger.warn(
						"{}.{} is '{}' in the configuration, but '{}' set at run time stays in effect ({}); set it "
								+ "at run time to change it, or remove it at run time for the configuration to apply at "
								+ "the next start",
						property, step.key(), abbreviate(step.configured()),
						abbreviate(Objects.requireNonNull(step.stored()).value()), this.store.describe());
			}
		}
		reload();
	}

	/**
	 * @param key the key
	 * @return the value, or {@code null}
	 */
	public @Nullable String get(String key) {
		Setting setting = this.current.get(key);
		return (setting != null) ? setting.value() : null;
	}

	/** @return every setting, by key */
	public Map<String, Setting> all() {
		return this.current;
	}

	/**
	 * Changes a value at run time: in the store (for every instance, and across restarts),
	 * then here, at once.
	 * @param key the key
	 * @param value the value, or {@code null} to remove it
	 */
	public void setAtRuntime(String key, @Nullable String value) {
		Setting setting = (value != null) ? Setting.runtime(value) : null;
		this.store.put(this.namespace, key, setting);
		synchronized (this.lock) {
			Map<String, Setting> next = new HashMap<>(this.current);
			if (setting != null) {
				next.put(key, setting);
			}
			else {
				next.remove(key);
			}
			this.current = Map.copyOf(next);
		}
		notifyListeners(key, setting);
	}

	/** Reads the namespace from the store and tells the listeners what changed. */
	public void reload() {
		Map<String, Setting> loaded = this.store.load(this.namespace);
		Map<String, Setting> previous;
		synchronized (this.lock) {
			previous = this.current;
			this.current = Map.copyOf(loaded);
		}
		if (this.listeners.isEmpty()) {
			return;
		}
		loaded.forEach((key, setting) -> {
			Setting before = previous.get(key);
			if (before == null || !before.value().equals(setting.value())) {
				notifyListeners(key, setting);
			}
		});
		previous.keySet().forEach((key) -> {
			if (!loaded.containsKey(key)) {
				notifyListeners(key, null);
			}
		});
	}

	/**
	 * @param listener told about every value that changes here, locally or in the store
	 */
	public void addListener(ChangeListener listener) {
		this.listeners.add(listener);
	}

	private void notifyListeners(String key, @Nullable Setting setting) {
		for (ChangeListener listener : this.listeners) {
			try {
				listener.changed(key, setting);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not apply the change of {} '{}'", this.namespace, key, ex);
			}
		}
	}

	private static @Nullable String abbreviate(@Nullable String value) {
		return (value == null || value.length() <= MAX_LOGGED_VALUE) ? value
				: value.substring(0, MAX_LOGGED_VALUE) + "…";
	}

	/** Told about a changed setting. */
	@FunctionalInterface
	public interface ChangeListener {

		/**
		 * @param key the key
		 * @param setting the new setting, or {@code null} when it was removed
		 */
		void changed(String key, @Nullable Setting setting);

	}

}
