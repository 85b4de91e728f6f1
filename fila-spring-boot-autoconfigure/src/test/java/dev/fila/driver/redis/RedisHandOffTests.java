package dev.fila.driver.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the Java side of the hand-off and enqueue.lua must agree on. */
class RedisHandOffTests {

	@Test
	void theScriptsByteBudgetIsTheDocumentedOne() throws IOException {
		try (InputStream script = RedisHandOff.class.getResourceAsStream("enqueue.lua")) {
			assertThat(script).isNotNull();
			String text = new String(script.readAllBytes(), StandardCharsets.UTF_8);
			assertThat(text).contains("local HAND_OFF_MAX_BYTES = " + RedisHandOff.MAX_BYTES + "\n");
		}
	}

}
