package dev.fila.driver;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.FilaConfigurationException;
import dev.fila.core.MessageTooLargeException;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class MessageLimitsTests {

	@Test
	void optionsSetTheLimitsAndTheErrorNamesTheProperty() {
		MessageLimits limits = MessageLimits.fromOptions("rabbit",
				Map.of("max-payload-bytes", "2048", "max-header-bytes", "1024"), 1 << 20, 1 << 20);
		assertThat(limits.maxPayloadBytes()).isEqualTo(2048);
		assertThat(limits.maxHeaderBytes()).isEqualTo(1024);
		OutgoingMessage big = new OutgoingMessage(Map.of(), new byte[2049], Scheduling.DEFAULT);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> limits.check("amqp driver 'rabbit'", "orders", List.of(big)))
			.withMessageContaining("fila.drivers.rabbit.options.max-payload-bytes")
			.withMessageContaining("amqp driver 'rabbit'")
			.satisfies((ex) -> assertThat(ex.getQueue()).isEqualTo("orders"));
		assertThat(MessageLimits.fromOptions("m", Map.of(), 1 << 20, 1 << 20).maxPayloadBytes())
			.isEqualTo(MessageLimits.DEFAULT_MAX_PAYLOAD_BYTES);
	}

	@Test
	void limitsOutsideWhatTheBackendTakesFailStartUp() {
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> MessageLimits.fromOptions("rabbit", Map.of("max-header-bytes", "200000"), 1 << 20, 96 << 10))
			.withMessageContaining("fila.drivers.rabbit.options.max-header-bytes");
		assertThatExceptionOfType(FilaConfigurationException.class)
			.isThrownBy(() -> MessageLimits.fromOptions("m", Map.of("max-payload-bytes", "12"), 1 << 20, 1 << 20));
	}

	@Test
	void utf8LengthMatchesTheEncoder() {
		for (String text : List.of("", "abc", "é", "日本", "\uD83D\uDE00", "a\uD800b")) {
			assertThat(MessageLimits.utf8Length(text)).as(text)
				.isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
		}
	}

}
