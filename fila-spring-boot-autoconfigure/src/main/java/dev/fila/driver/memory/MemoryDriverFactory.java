package dev.fila.driver.memory;

import java.util.Map;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDriverFactory;
import dev.fila.driver.MessageLimits;

/**
 * Creates {@link MemoryDriver memory drivers}. Options: {@code max-payload-bytes} (default
 * 16 MiB, at most 1 GiB) and {@code max-header-bytes} (default 64 KiB, at most 1 MiB); other
 * options are ignored.
 */
public class MemoryDriverFactory implements FilaDriverFactory {

	/** The highest {@code max-payload-bytes}: 1 GiB. */
	static final int MAX_PAYLOAD_BYTES = 1 << 30;

	/** The highest {@code max-header-bytes}: 1 MiB. */
	static final int MAX_HEADER_BYTES = 1 << 20;

	@Override
	public String type() {
		return MemoryDriver.TYPE;
	}

	@Override
	public FilaDriver create(String name, Map<String, String> options) {
		return new MemoryDriver(name, MessageLimits.fromOptions(name, options, MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES));
	}

}
