package dev.fila.config;

import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Runtime configuration: string values seeded from {@code fila.config}, changed through
 * {@link dev.fila.core.FilaAdmin#setConfig} and read by Lua hooks with {@code fila.get(key)}.
 * A change is visible to the next read, with no restart.
 */
public interface RuntimeConfig {

	/**
	 * @param key the key
	 * @return the value, if set
	 */
	Optional<String> get(String key);

	/**
	 * Sets a value; a {@code null} value removes the key.
	 * @param key the key
	 * @param value the value, or {@code null}
	 */
	void set(String key, @Nullable String value);

	/**
	 * @param prefix a key prefix, empty for all
	 * @return the matching entries, sorted by key
	 */
	Map<String, String> list(String prefix);

}
