package dev.fila.autoconfigure;

import java.util.function.Supplier;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.FilaDriver;

/**
 * Creates the drivers of one type from their {@code fila.drivers.<name>} properties. The
 * auto-configuration registers one factory per driver type whose library is on the classpath.
 */
public interface FilaDriverFactory {

	/** @return the type this factory creates, as written in {@code fila.drivers.<name>.type} */
	String type();

	/**
	 * Checks a driver's properties before any driver is created, so that start-up can report
	 * every bad setting at once.
	 * @param name the driver name
	 * @param properties the driver's properties; a factory reads the section of its own type
	 * @return creates the driver once every setting is checked
	 * @throws FilaConfigurationException for a bad property, any others suppressed in it
	 */
	Supplier<FilaDriver> prepare(String name, FilaProperties.Driver properties);

}
