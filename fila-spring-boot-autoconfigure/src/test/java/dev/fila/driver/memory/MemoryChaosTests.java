package dev.fila.driver.memory;

import org.junit.jupiter.api.Test;

import dev.fila.driver.ChaosScenario;

/**
 * The fault-injection run on the memory driver: only the library's own faults (hostile hook,
 * random handler failures, a consumer stopped and started) since there is no backend to break.
 */
class MemoryChaosTests {

	@Test
	void losesNothingUnderHostileHooksFailingHandlersAndRestarts() throws Exception {
		try (MemoryDriver driver = new MemoryDriver("memory")) {
			new ChaosScenario(driver).run(1_500);
		}
	}

}
