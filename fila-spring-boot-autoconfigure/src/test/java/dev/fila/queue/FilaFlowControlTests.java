package dev.fila.queue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fila.config.InMemorySettingsStore;
import dev.fila.config.SharedSettings;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.scheduling.QueueFlow;
import dev.fila.scheduling.Scheduling;

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

	@AfterEach
	void closeDriver() {
		this.driver.close();
	}

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
	void aStateADriverLostIsGivenBackWithinTheReapplyInterval() throws Exception {
		this.driver.createQueue(new QueueSpec("orders", Duration.ofSeconds(30), 1, false));
		this.flowControl.setKeyPaused("orders", "acme", true);
		// An apply that did not take (the broker was away, the queue was recreated).
		this.driver.applyFlow("orders", QueueFlow.NONE);
		this.driver.enqueue("orders", List.of(new OutgoingMessage(Map.of(), new byte[0],
				new Scheduling("acme", 1, List.of()))));
		this.flowControl.reapplyEvery(Duration.ofMillis(50));
		try {
			Thread.sleep(300);
			assertThat(this.driver.fetch("orders", 1, Duration.ofMillis(200))).isEmpty();
			this.flowControl.setKeyPaused("orders", "acme", false);
			assertThat(this.driver.fetch("orders", 1, Duration.ofSeconds(2))).hasSize(1);
		}
		finally {
			this.flowControl.close();
		}
	}

	@Test
	void aStoredWeightThatIsNotAPositiveNumberIsIgnored() {
		new SharedSettings(this.store, FilaFlowControl.NAMESPACE)
			.setAtRuntime(FilaFlowControl.settingKey("key-weight", "orders", "acme"), "NaN");
		this.flowControl.load();
		assertThat(this.flowControl.flow("orders")).isEqualTo(QueueFlow.NONE);
	}

}
