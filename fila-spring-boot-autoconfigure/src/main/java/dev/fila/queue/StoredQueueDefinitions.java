package dev.fila.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.fila.config.Setting;
import dev.fila.config.SettingsStore;
import dev.fila.driver.FilaDriver;
import dev.fila.scheduling.RetryPolicy;

/**
 * Queue definitions kept with the queue, in its driver's {@link SettingsStore} (namespace
 * {@value #NAMESPACE}): settings and the hooks' text. A declaration stores its definition (and
 * wins, with a warning naming what differed from the stored one); an instance that uses the
 * queue without declaring it takes the stored definition, hooks included, and never writes
 * it. Drivers without a shared store (memory, AMQP today) keep nothing.
 */
public class StoredQueueDefinitions {

	private static final Logger logger = LoggerFactory.getLogger(StoredQueueDefinitions.class);

	/** The namespace of queue definitions in a driver's settings store. */
	public static final String NAMESPACE = "queue";

	private final QueuePolicyFactory policies;

	private final JsonMapper json = JsonMapper.builder().build();

	/**
	 * @param policies resolves hook locations to their text
	 */
	public StoredQueueDefinitions(QueuePolicyFactory policies) {
		this.policies = policies;
	}

	/**
	 * Stores a declared queue's definition in its driver, warning when it differs from the one
	 * stored there.
	 * @param definition the declaration
	 * @param driver the queue's driver
	 */
	public void declared(QueueDefinition definition, FilaDriver driver) {
		SettingsStore store = driver.settingsStore();
		if (store == null) {
			return;
		}
		Map<String, @Nullable Object> declared = encode(definition);
		Setting stored = store.load(NAMESPACE).get(definition.name());
		if (stored != null) {
			Map<String, @Nullable Object> previous = decodeFields(stored.value());
			if (previous != null) {
				List<String> differences = differences(declared, previous);
				if (differences.isEmpty()) {
					return;
				}
				logger.warn("Queue '{}': its declaration differs from the definition stored in {}: {}; the declaration "
						+ "wins", definition.name(), store.describe(), String.join(", ", differences));
			}
		}
		store.put(NAMESPACE, definition.name(), Setting.configured(this.json.writeValueAsString(declared)));
	}

	/**
	 * @param queue a queue name
	 * @param driver the driver it is used on
	 * @return the definition stored there, hooks as text; {@code null} when none is
	 */
	public @Nullable QueueDefinition stored(String queue, FilaDriver driver) {
		SettingsStore store = driver.settingsStore();
		Setting stored = (store != null) ? store.load(NAMESPACE).get(queue) : null;
		if (stored == null) {
			return null;
		}
		try {
			JsonNode node = this.json.readTree(stored.value());
			RetryPolicy retry = new RetryPolicy(node.get("retry-max-attempts").asInt(),
					Duration.ofMillis(node.get("retry-initial-delay-ms").asLong()),
					node.get("retry-multiplier").asDouble(), Duration.ofMillis(node.get("retry-max-delay-ms").asLong()));
			return new QueueDefinition(queue, driver.name(),
					Duration.ofMillis(node.get("visibility-timeout-ms").asLong()), node.get("quantum").asInt(),
					node.get("dead-letter").asBoolean(), retry, text(node, "on-enqueue"), text(node, "on-failure"));
		}
		catch (RuntimeException ex) {
			logger.warn("Queue '{}': ignoring its stored definition in {}, which this version cannot read ({})", queue,
					store.describe(), ex.getMessage());
			return null;
		}
	}

	private Map<String, @Nullable Object> encode(QueueDefinition definition) {
		Map<String, @Nullable Object> fields = new LinkedHashMap<>();
		fields.put("visibility-timeout-ms", definition.visibilityTimeout().toMillis());
		fields.put("quantum", definition.quantum());
		fields.put("dead-letter", definition.deadLetter());
		RetryPolicy retry = definition.retry();
		fields.put("retry-max-attempts", retry.maxAttempts());
		fields.put("retry-initial-delay-ms", retry.initialDelay().toMillis());
		fields.put("retry-multiplier", retry.multiplier());
		fields.put("retry-max-delay-ms", retry.maxDelay().toMillis());
		fields.put("on-enqueue", (definition.onEnqueue() != null)
				? this.policies.hookText(definition, definition.onEnqueue()) : null);
		fields.put("on-failure", (definition.onFailure() != null)
				? this.policies.hookText(definition, definition.onFailure()) : null);
		return fields;
	}

	@SuppressWarnings("unchecked")
	private @Nullable Map<String, @Nullable Object> decodeFields(String value) {
		try {
			return this.json.readValue(value, Map.class);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static List<String> differences(Map<String, @Nullable Object> declared,
			Map<String, @Nullable Object> stored) {
		List<String> differences = new ArrayList<>();
		declared.forEach((field, value) -> {
			Object previous = stored.get(field);
			if (!sameValue(value, previous)) {
				differences.add(field.startsWith("on-") ? field + " differs"
						: field + " " + value + " (stored " + previous + ")");
			}
		});
		return differences;
	}

	private static boolean sameValue(@Nullable Object declared, @Nullable Object stored) {
		if (declared instanceof Number a && stored instanceof Number b) {
			return a.doubleValue() == b.doubleValue();
		}
		return Objects.equals(declared, stored);
	}

	private static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value == null || value.isNull()) ? null : value.asString();
	}

}
