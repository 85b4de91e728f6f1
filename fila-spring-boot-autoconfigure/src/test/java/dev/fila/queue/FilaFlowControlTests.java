package dev.fila.queue;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.fila.config.InMemorySettingsStore;
import dev.fila.config.SharedSettings;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.scheduling.QueueFlow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pauses and weight overrides kept as settings: whatever characters queue names and keys hold,
 * each setting names one queue and one key, and the state read back is the state written.
 */
class FilaFlowControlTests {

	private final InMemorySettingsStore store = new InMemorySettingsStore();

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final FilaFlowControl flowControl = new FilaFlowControl(
			new FilaDrivers(Map.of("memory", this.driver), "memory"),
			new SharedSettings(this.store, FilaFlowControl.NAMESPACE));

	@Test
	void queuesAndKeysThatLookLikeTheEncodingStayApart() {
		this.flowControl.setKeyPaused("a", "1:b", true);
		this.flowControl.setKeyPaused("a:1:b", "x", true);
		this.flowControl.setKeyWeight("a", ":2:", 2.5);
		this.flowControl.setPaused("a:1:b", true);
		assertThat(this.flowControl.flow("a")).isEqualTo(new QueueFlow(false, Set.of("1:b"), Map.of(":2:", 2.5)));
		assertThat(this.flowControl.flow("a:1:b")).isEqualTo(new QueueFlow(true, Set.of("x"), Map.of()));
		assertThat(this.flowControl.flow("a:1")).isEqualTo(QueueFlow.NONE);
	}

	@Test
	void anotherInstanceLoadsTheStoredStateAndTheDriverGetsIt() {
		this.flowControl.setKeyPaused("orders", "acme", true);
		this.flowControl.setKeyWeight("orders", "beta", 3);
		FilaFlowControl restarted = new FilaFlowControl(new FilaDrivers(Map.of("memory", this.driver), "memory"),
				new SharedSettings(this.store, FilaFlowControl.NAMESPACE));
		restarted.load();
		assertThat(restarted.flow("orders")).isEqualTo(new QueueFlow(false, Set.of("acme"), Map.of("beta", 3.0)));
		this.flowControl.forget("orders");
		assertThat(this.flowControl.flow("orders")).isEqualTo(QueueFlow.NONE);
	}

	@Test
	void aStoredWeightThatIsNotAPositiveNumberIsIgnored() {
		new SharedSettings(this.store, FilaFlowControl.NAMESPACE)
			.setAtRuntime(FilaFlowControl.settingKey("key-weight", "orders", "acme"), "NaN");
		this.flowControl.load();
		assertThat(this.flowControl.flow("orders")).isEqualTo(QueueFlow.NONE);
	}

}
