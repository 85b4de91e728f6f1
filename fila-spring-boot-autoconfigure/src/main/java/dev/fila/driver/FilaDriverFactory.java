package dev.fila.driver;

import java.util.Map;

/**
 * Creates drivers of one type from their {@code fila.drivers.<name>} configuration. The
 * auto-configuration registers one factory per driver type whose library is on the classpath.
 */
public interface FilaDriverFactory {

	/** @return the type this factory creates, as written in {@code fila.drivers.<name>.type} */
	String type();

	/**
	 * @param name the driver name
	 * @param options the driver-specific {@code options}
	 * @return a new driver
	 */
	FilaDriver create(String name, Map<String, String> options);

}
