package dev.fila.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fila.config.SettingsSeeding.Action;
import dev.fila.config.SettingsSeeding.Step;

import static org.assertj.core.api.Assertions.assertThat;

class SettingsSeedingTests {

	@Test
	void aNewKeyIsWritten() {
		assertThat(SettingsSeeding.plan(Map.of("w", "5"), Map.of()))
			.containsExactly(new Step("w", Action.WRITE, "5", null));
	}

	@Test
	void anUnchangedConfigurationDoesNothingWhoeverSetTheValue() {
		assertThat(SettingsSeeding.plan(Map.of("a", "1", "b", "2"),
				Map.of("a", Setting.configured("1"), "b", Setting.runtime("2"))))
			.isEmpty();
	}

	@Test
	void aRuntimeChangeSurvivesAStartWithTheSameConfiguration() {
		// Configured 5, changed to 9 at run time: the next start brings 5 again.
		assertThat(SettingsSeeding.plan(Map.of("w", "5"), Map.of("w", Setting.runtime("9"))))
			.containsExactly(new Step("w", Action.KEEP_RUNTIME, "5", Setting.runtime("9")));
	}

	@Test
	void aChangedConfigurationAppliesWhenNobodyChangedTheKeyAtRuntime() {
		assertThat(SettingsSeeding.plan(Map.of("w", "7"), Map.of("w", Setting.configured("5"))))
			.containsExactly(new Step("w", Action.WRITE, "7", Setting.configured("5")));
	}

	@Test
	void aKeyTheConfigurationNoLongerSetsGoesUnlessItWasSetAtRuntime() {
		assertThat(SettingsSeeding.plan(Map.of(), Map.of("old", Setting.configured("1"), "kept", Setting.runtime("2"))))
			.containsExactly(new Step("old", Action.REMOVE, null, Setting.configured("1")));
	}

	@Test
	void stepsComeInKeyOrder() {
		assertThat(SettingsSeeding.plan(Map.of("c", "1", "a", "1", "b", "1"), Map.of()))
			.extracting(Step::key)
			.containsExactly("a", "b", "c");
	}

}
