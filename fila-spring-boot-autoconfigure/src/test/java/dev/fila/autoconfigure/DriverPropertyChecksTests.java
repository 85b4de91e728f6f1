package dev.fila.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import dev.fila.core.FilaConfigurationException;
import dev.fila.driver.MessageLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DriverPropertyChecksTests {

	private final DriverPropertyChecks checks = new DriverPropertyChecks("small", "memory");

	private final FilaProperties.Memory memory = new FilaProperties.Memory();

	@Test
	void defaultLimitsAreTheDriversDefaultsNamingTheirProperties() {
		this.checks.limits(this.memory, MemoryDriverFactory.MAX_PAYLOAD_BYTES, MemoryDriverFactory.MAX_HEADER_BYTES);
		this.checks.throwIfAny();
		MessageLimits limits = this.checks.toMessageLimits(this.memory);
		assertThat(limits.maxPayloadBytes()).isEqualTo(MessageLimits.DEFAULT_MAX_PAYLOAD_BYTES);
		assertThat(limits.maxHeaderBytes()).isEqualTo(MessageLimits.DEFAULT_MAX_HEADER_BYTES);
		assertThat(limits.payloadProperty()).isEqualTo("fila.drivers.small.memory.max-payload-bytes");
		assertThat(limits.headerProperty()).isEqualTo("fila.drivers.small.memory.max-header-bytes");
	}

	@Test
	void limitsOutsideWhatTheBackendTakesAreAllReported() {
		this.memory.setMaxPayloadBytes(DataSize.ofBytes(12));
		this.memory.setMaxHeaderBytes(DataSize.ofKilobytes(200));
		this.checks.limits(this.memory, 1 << 20, 96 << 10);
		assertThatExceptionOfType(FilaConfigurationException.class).isThrownBy(this.checks::throwIfAny)
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fila.drivers.small.memory.max-payload-bytes");
				assertThat(ex.getValue()).isEqualTo("12B");
				assertThat(ex.getAllowed()).isEqualTo("a size from 1KB to 1024KB (1048576 bytes)");
				assertThat(ex.getSuppressed()).singleElement()
					.extracting((other) -> ((FilaConfigurationException) other).getProperty())
					.isEqualTo("fila.drivers.small.memory.max-header-bytes");
			});
	}

}
