package dev.fila.metrics;

import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MicrometerLuaObserverTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MicrometerLuaObserver observer = new MicrometerLuaObserver(this.registry,
			Map.of("orders", "memory")::get);

	@Test
	void countsExecutionsByQueueDriverHookAndOutcome() {
		this.observer.executed("orders", "on_enqueue", "success");
		this.observer.executed("orders", "on_enqueue", "success");
		this.observer.executed("orders", "on_enqueue", "timeout");
		this.observer.executed("orders", "on_failure", "error");
		assertThat(this.registry.get("fila.lua.executions")
			.tags("queue", "orders", "driver", "memory", "hook", "on_enqueue", "outcome", "success")
			.counter()
			.count()).isEqualTo(2);
		assertThat(this.registry.get("fila.lua.executions").tags("hook", "on_enqueue", "outcome", "timeout").counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get("fila.lua.executions").tags("hook", "on_failure", "outcome", "error").counter()
			.count()).isEqualTo(1);
	}

	@Test
	void unknownQueueOrDriverIsTaggedUnknown() {
		this.observer.executed("handler", "success");
		this.observer.executed("other", "handler", "bypassed");
		assertThat(this.registry.get("fila.lua.executions").tags("queue", "unknown", "driver", "unknown").counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get("fila.lua.executions").tags("queue", "other", "driver", "unknown").counter()
			.count()).isEqualTo(1);
	}

}
