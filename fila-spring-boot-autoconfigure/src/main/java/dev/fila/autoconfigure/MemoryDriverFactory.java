package dev.fila.autoconfigure;

import java.util.function.Supplier;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.memory.MemoryDriver;

/**
 * Creates {@link MemoryDriver memory drivers} from {@code fila.drivers.<name>.memory.*}:
 * message size limits only.
 */
final class MemoryDriverFactory implements FilaDriverFactory {

	/** The highest {@code max-payload-bytes}: 1 GiB. */
	static final int MAX_PAYLOAD_BYTES = 1 << 30;

	/** The highest {@code max-header-bytes}: 1 MiB. */
	static final int MAX_HEADER_BYTES = 1 << 20;

	@Override
	public String type() {
		return MemoryDriver.TYPE;
	}

	@Override
	public Supplier<FilaDriver> prepare(String name, FilaProperties.Driver properties) {
		DriverPropertyChecks checks = new DriverPropertyChecks(name, MemoryDriver.TYPE);
		checks.limits(properties.getMemory(), MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES);
		checks.throwIfAny();
		MessageLimits limits = checks.toMessageLimits(properties.getMemory());
		return () -> new MemoryDriver(name, limits);
	}

}
