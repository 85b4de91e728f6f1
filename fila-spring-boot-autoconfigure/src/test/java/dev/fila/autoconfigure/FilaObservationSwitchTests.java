package dev.fila.autoconfigure;

import java.util.Map;

import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FilaObservationSwitchTests {

	@Test
	void everythingIsOnWhenNothingIsSet() {
		assertThat(FilaObservationSwitch.ALL_ENABLED.isEnabled("fila.listener")).isTrue();
		assertThat(new FilaObservationSwitch(Map.of("http.server", false)).isEnabled("fila.enqueue")).isTrue();
	}

	@Test
	void theLongestMatchingPrefixDecidesThenAll() {
		FilaObservationSwitch fila = new FilaObservationSwitch(Map.of("fila", false, "fila.enqueue", true));
		assertThat(fila.isEnabled("fila.listener")).isFalse();
		assertThat(fila.isEnabled("fila.enqueue")).isTrue();
		FilaObservationSwitch listener = new FilaObservationSwitch(Map.of("fila.listener", false));
		assertThat(listener.isEnabled("fila.listener")).isFalse();
		assertThat(listener.isEnabled("fila.enqueue")).isTrue();
		FilaObservationSwitch all = new FilaObservationSwitch(Map.of("all", false, "fila", true));
		assertThat(all.isEnabled("fila.listener")).isTrue();
		assertThat(all.isEnabled("http.server.requests")).isFalse();
	}

	@Test
	void anObservationThatIsOffGetsNoRegistry() {
		ObservationRegistry registry = ObservationRegistry.create();
		FilaObservationSwitch observationSwitch = new FilaObservationSwitch(Map.of("fila.listener", false));
		assertThat(observationSwitch.registryFor("fila.listener", registry)).isSameAs(ObservationRegistry.NOOP);
		assertThat(observationSwitch.registryFor("fila.enqueue", registry)).isSameAs(registry);
	}

}
