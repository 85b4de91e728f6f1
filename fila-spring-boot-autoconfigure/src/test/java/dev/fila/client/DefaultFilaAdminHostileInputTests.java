package dev.fila.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.fila.config.Setting;
import dev.fila.config.SettingsStore;
import dev.fila.config.SharedRuntimeConfig;
import dev.fila.config.SharedSettings;
import dev.fila.core.FilaAdmin;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.QueueSpec;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.FilaThrottles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Absurd arguments to {@link DefaultFilaAdmin}: each is refused with an
 * {@link IllegalArgumentException} naming the argument, and nothing changes.
 */
class DefaultFilaAdminHostileInputTests {

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final MemoryDriver other = new MemoryDriver("other");

	/** A store that, like Redis's, takes whatever key it is given; it records every write. */
	private final RecordingStore store = new RecordingStore();

	private final FilaDrivers drivers = new FilaDrivers(Map.of("memory", this.driver, "other", this.other), "memory");

	private final FilaQueues queues = new FilaQueues(this.drivers, Map.of(), new DefaultQueuePolicyFactory());

	private final FilaAdmin admin = new DefaultFilaAdmin(this.queues,
			new SharedRuntimeConfig(new SharedSettings(this.store, "config")),
			new FilaThrottles(this.drivers, new SharedSettings(this.store, FilaThrottles.NAMESPACE)),
			new FilaFlowControl(this.drivers, new SharedSettings(this.store, FilaFlowControl.NAMESPACE)));

	@AfterEach
	void close() {
		this.driver.close();
		this.other.close();
	}

	@Test
	void aNullQueueNameIsRefusedByNameNotWithANullPointerException() {
		this.admin.createQueue("jobs");
		List<Executable> calls = List.of(() -> this.admin.stats(null), () -> this.admin.purge(null),
				() -> this.admin.peek(null, 1), () -> this.admin.redrive(null, 1), () -> this.admin.redrive(null),
				() -> this.admin.pause(null), () -> this.admin.resume(null), () -> this.admin.pauseKey(null, "k"),
				() -> this.admin.resumeKey(null, "k"), () -> this.admin.setKeyWeight(null, "k", 2),
				() -> this.admin.setKeyMaxInFlight(null, "k", 2), () -> this.queues.binding(null),
				() -> this.queues.existing(null));
		for (Executable call : calls) {
			assertThatIllegalArgumentException().isThrownBy(call::execute).withMessageContaining("queue name 'null'");
		}
		assertThat(this.store.writes).isEmpty();
	}

	@Test
	void aDeadLetterNameWithoutASourceIsReportedAsGiven() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.stats(".dlq"))
			.withMessageContaining("queue name '.dlq'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.redrive(".dlq", 1))
			.withMessageContaining("queue name '.dlq'");
		String tooLong = "x".repeat(201) + ".dlq";
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.stats(tooLong))
			.withMessageContaining("queue name '" + tooLong + "'");
	}

	@Test
	void aNullOrEmptyConfigKeyIsRefusedAndNothingIsStored() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setConfig(null, "x"))
			.withMessageContaining("key")
			.withMessageContaining("null");
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setConfig("", "x"))
			.withMessageContaining("key");
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setConfig(null, null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.getConfig(null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.listConfig(null))
			.withMessageContaining("prefix");
		assertThat(this.store.writes).isEmpty();
		assertThat(this.admin.listConfig("")).isEmpty();
	}

	@Test
	void aNullOrEmptyThrottleKeyIsRefusedAndNothingIsStored() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setThrottle(null, 1, 1))
			.withMessageContaining("key");
		assertThatIllegalArgumentException().isThrownBy(() -> this.admin.setThrottle("", 1, 1))
			.withMessageContaining("key");
		assertThat(this.store.writes).isEmpty();
		assertThat(this.admin.throttles()).isEmpty();
	}

	@Test
	void creatingAQueueThatLivesOnAnotherDriverLeavesItThere() {
		this.other.createQueue(new QueueSpec("elsewhere", Duration.ofSeconds(30), 1, true));
		this.admin.createQueue("elsewhere");
		assertThat(this.driver.queueExists("elsewhere")).isFalse();
		assertThat(this.admin.stats("elsewhere").driver()).isEqualTo("other");
		assertThat(this.admin.listQueues()).containsExactly("elsewhere", "elsewhere.dlq");
	}

	@Test
	void aFairnessKeyNoMessageCanCarryIsRefusedAndNothingIsStored() {
		this.admin.createQueue("jobs");
		String huge = "x".repeat(MessageLimits.DEFAULT_MAX_HEADER_BYTES + 1);
		List<Executable> calls = List.of(() -> this.admin.pauseKey("jobs", huge),
				() -> this.admin.setKeyWeight("jobs", huge, 2), () -> this.admin.setKeyMaxInFlight("jobs", huge, 2));
		for (Executable call : calls) {
			assertThatIllegalArgumentException().isThrownBy(call::execute)
				.withMessageContaining("65537 bytes")
				.withMessageContaining("at most 65536");
		}
		assertThat(this.store.writes).isEmpty();
		// Removing what is not there changes nothing, whatever the key.
		this.admin.resumeKey("jobs", huge);
		this.admin.setKeyWeight("jobs", huge, 0);
		this.admin.setKeyMaxInFlight("jobs", huge, 0);
		// The longest key a message can carry is fine.
		this.admin.pauseKey("jobs", "x".repeat(MessageLimits.DEFAULT_MAX_HEADER_BYTES));
		assertThat(this.admin.stats("jobs").paused()).isFalse();
	}

	/** Takes any key, as a remote store does (Redis writes {@code namespace/null}). */
	static final class RecordingStore implements SettingsStore {

		final List<String> writes = new ArrayList<>();

		private final Map<String, Map<String, Setting>> namespaces = new HashMap<>();

		@Override
		public synchronized Map<String, Setting> load(String namespace) {
			return new HashMap<>(this.namespaces.getOrDefault(namespace, Map.of()));
		}

		@Override
		public synchronized void put(String namespace, String key, @Nullable Setting setting) {
			this.writes.add(namespace + "/" + key);
			Map<String, Setting> settings = this.namespaces.computeIfAbsent(namespace, (name) -> new HashMap<>());
			if (setting == null) {
				settings.remove(key);
			}
			else {
				settings.put(key, setting);
			}
		}

		@Override
		public long version() {
			return this.writes.size();
		}

		@Override
		public String describe() {
			return "a test store";
		}

	}

}
