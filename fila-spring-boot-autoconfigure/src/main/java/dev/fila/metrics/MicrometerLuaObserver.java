package dev.fila.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import dev.fila.core.FilaMetricsRecorder;
import dev.fila.lua.LuaObserver;

/**
 * Counts Lua executions as {@code fila.lua.executions}, tagged {@code queue}, {@code driver},
 * {@code hook} ({@code on_enqueue}, {@code on_failure}, {@code handler}) and {@code outcome}
 * ({@code success}, {@code error}, {@code timeout}, {@code bypassed}).
 */
public class MicrometerLuaObserver implements LuaObserver {

	static final String EXECUTIONS = "fila.lua.executions";

	private static final String UNKNOWN = "unknown";

	private final MeterRegistry registry;

	private final Function<String, @Nullable String> driverOfQueue;

	private final Map<Key, Counter> counters = new ConcurrentHashMap<>();

	/**
	 * @param registry where the counter goes
	 * @param driverOfQueue the driver name of a queue, {@code null} when not known
	 */
	public MicrometerLuaObserver(MeterRegistry registry, Function<String, @Nullable String> driverOfQueue) {
		this.registry = registry;
		this.driverOfQueue = driverOfQueue;
	}

	@Override
	public void executed(String hook, String outcome) {
		executed(UNKNOWN, hook, outcome);
	}

	@Override
	public void executed(String queue, String hook, String outcome) {
		Key key = new Key(FilaMetricsRecorder.reportedQueue(queue), hook, outcome);
		Counter counter = this.counters.get(key);
		if (counter == null) {
			counter = this.counters.computeIfAbsent(key, this::create);
		}
		counter.increment();
	}

	private Counter create(Key key) {
		String driver = this.driverOfQueue.apply(key.queue());
		return Counter.builder(EXECUTIONS)
			.description("Lua hook and handler script executions")
			.tag("queue", key.queue())
			.tag("driver", (driver != null) ? driver : UNKNOWN)
			.tag("hook", key.hook())
			.tag("outcome", key.outcome())
			.register(this.registry);
	}

	private record Key(String queue, String hook, String outcome) {
	}

}
