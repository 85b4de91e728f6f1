package dev.fila.config;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Where settings live, in namespaces ({@code config}, {@code throttle}): in Redis or
 * RabbitMQ they are shared by every instance of the application and survive restarts. The
 * store only keeps values; {@link SharedSettings} keeps a local copy current by watching
 * {@link #version()}.
 */
public interface SettingsStore {

	/**
	 * @param namespace the namespace
	 * @return every setting of the namespace, by key
	 */
	Map<String, Setting> load(String namespace);

	/**
	 * Sets or, with a {@code null} setting, removes one key, and changes the {@link #version()}.
	 * @param namespace the namespace
	 * @param key the key
	 * @param setting the new setting, or {@code null} to remove it
	 */
	void put(String namespace, String key, @Nullable Setting setting);

	/**
	 * @return a number that changes whenever any setting of the store changes, as cheap to
	 * read as the store allows: it is polled
	 */
	long version();

	/** @return a description for logs, e.g. the driver holding the settings */
	String describe();

}
