package dev.fila.driver;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorHeaderTests {

	@Test
	void shortErrorsAreKeptAndNullIsEmpty() {
		assertThat(ErrorHeader.value("boom")).isEqualTo("boom");
		assertThat(ErrorHeader.value(null)).isEmpty();
		String exactly = "x".repeat(ErrorHeader.MAX_BYTES);
		assertThat(ErrorHeader.value(exactly)).isSameAs(exactly);
	}

	@Test
	void longErrorsAreCutAtACharacterWithAMarker() {
		for (String unit : new String[] { "x", "é", "日", "\uD83D\uDE00", "a\uD83D\uDE00" }) {
			String error = unit.repeat((1 << 20) / unit.length());
			String bounded = ErrorHeader.value(error);
			byte[] bytes = bounded.getBytes(StandardCharsets.UTF_8);
			assertThat(bytes.length).as(unit).isLessThanOrEqualTo(ErrorHeader.MAX_BYTES).isGreaterThan(4000);
			String kept = bounded.substring(0, bounded.indexOf("… [truncated "));
			assertThat(error).startsWith(kept);
			assertThat(new String(kept.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(kept);
			int truncated = error.getBytes(StandardCharsets.UTF_8).length - kept.getBytes(StandardCharsets.UTF_8).length;
			assertThat(bounded).endsWith("… [truncated " + truncated + " bytes]");
		}
	}

	@Test
	void oneByteOverTheLimitIsCut() {
		String error = "x".repeat(ErrorHeader.MAX_BYTES + 1);
		assertThat(ErrorHeader.value(error)).contains("[truncated ").hasSizeLessThanOrEqualTo(ErrorHeader.MAX_BYTES);
	}

}
