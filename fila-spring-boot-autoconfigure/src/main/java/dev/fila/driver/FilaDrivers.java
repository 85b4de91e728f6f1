package dev.fila.driver;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.InMemorySettingsStore;
import dev.fila.config.SettingsStore;

/**
 * The configured drivers by name, and which one serves queues that name none.
 */
public class FilaDrivers implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(FilaDrivers.class);

	private final Map<String, FilaDriver> drivers;

	private final @Nullable String defaultDriverName;

	/**
	 * @param drivers the drivers by name
	 * @param defaultDriverName the driver for queues that name none, {@code null} when there is none
	 */
	public FilaDrivers(Map<String, FilaDriver> drivers, @Nullable String defaultDriverName) {
		this.drivers = new LinkedHashMap<>(drivers);
		this.defaultDriverName = defaultDriverName;
	}

	/**
	 * @param name a driver name
	 * @return the driver, or {@code null}
	 */
	public @Nullable FilaDriver find(String name) {
		return this.drivers.get(name);
	}

	/**
	 * @param name a driver name, {@code null} for the default driver
	 * @return the driver
	 * @throws IllegalStateException when there is no such driver
	 */
	public FilaDriver get(@Nullable String name) {
		String effective = (name != null) ? name : this.defaultDriverName;
		FilaDriver driver = (effective != null) ? this.drivers.get(effective) : null;
		if (driver == null) {
			throw new IllegalStateException((name != null) ? "No Fila driver named '" + name + "'"
					: "No default Fila driver: set fila.default-driver to one of " + this.drivers.keySet());
		}
		return driver;
	}

	/** @return the default driver's name, or {@code null} */
	public @Nullable String defaultDriverName() {
		return this.defaultDriverName;
	}

	/**
	 * Where the application's shared settings live: the default driver's store when it has
	 * one, else the first declared driver's that has one, else this JVM.
	 * @return the settings store
	 */
	public SettingsStore settingsStore() {
		FilaDriver preferred = (this.defaultDriverName != null) ? this.drivers.get(this.defaultDriverName) : null;
		SettingsStore store = (preferred != null) ? preferred.settingsStore() : null;
		for (Iterator<FilaDriver> others = this.drivers.values().iterator(); store == null && others.hasNext();) {
			store = others.next().settingsStore();
		}
		return (store != null) ? store : new InMemorySettingsStore();
	}

	/** @return every driver */
	public Collection<FilaDriver> all() {
		return this.drivers.values();
	}

	@Override
	public void close() {
		for (FilaDriver driver : this.drivers.values()) {
			try {
				driver.close();
			}
			catch (RuntimeException ex) {
				logger.warn("Failed to close Fila driver '{}'", driver.name(), ex);
			}
		}
	}

}
