package dev.fila.driver.memory;

import java.util.Map;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDriverFactory;

/**
 * Creates {@link MemoryDriver memory drivers}. The memory driver takes no options.
 */
public class MemoryDriverFactory implements FilaDriverFactory {

	@Override
	public String type() {
		return MemoryDriver.TYPE;
	}

	@Override
	public FilaDriver create(String name, Map<String, String> options) {
		return new MemoryDriver(name);
	}

}
