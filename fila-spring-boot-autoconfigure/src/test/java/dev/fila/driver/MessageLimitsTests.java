package dev.fila.driver;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.core.MessageTooLargeException;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class MessageLimitsTests {

	@Test
	void aMessageOverTheLimitsIsRefusedNamingTheProperty() {
		MessageLimits limits = MessageLimits.DEFAULTS.withMaxPayloadBytes(2048, "fila.drivers.rabbit.amqp.max-payload-bytes")
			.withMaxHeaderBytes(1024, "fila.drivers.rabbit.amqp.max-header-bytes");
		assertThat(limits.maxPayloadBytes()).isEqualTo(2048);
		assertThat(limits.maxHeaderBytes()).isEqualTo(1024);
		OutgoingMessage big = new OutgoingMessage(Map.of(), new byte[2049], Scheduling.DEFAULT);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> limits.check("amqp driver 'rabbit'", "orders", List.of(big)))
			.withMessageContaining("fila.drivers.rabbit.amqp.max-payload-bytes")
			.withMessageContaining("amqp driver 'rabbit'")
			.satisfies((ex) -> assertThat(ex.getQueue()).isEqualTo("orders"));
	}

	@Test
	void utf8LengthMatchesTheEncoder() {
		for (String text : List.of("", "abc", "é", "日本", "\uD83D\uDE00", "a\uD800b")) {
			assertThat(MessageLimits.utf8Length(text)).as(text)
				.isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
		}
	}

}
