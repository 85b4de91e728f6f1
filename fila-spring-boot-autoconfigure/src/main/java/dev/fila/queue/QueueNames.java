package dev.fila.queue;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.fila.driver.QueueSpec;

/**
 * The queue name rules: 1 to 200 characters of {@code A-Za-z0-9._-}; names ending in
 * {@code .dlq} are reserved for dead-letter queues.
 */
public final class QueueNames {

	/** What a queue name may be, for error messages. */
	public static final String RULE = "1 to 200 characters of A-Za-z0-9._- not ending in '.dlq'";

	private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

	private QueueNames() {
	}

	/**
	 * @param name a candidate queue name
	 * @return {@code null} when the name is valid for a queue users declare, else the reason
	 */
	public static @Nullable String problem(@Nullable String name) {
		if (name == null) {
			return "the name is null";
		}
		if (name.isEmpty()) {
			return "the name is empty";
		}
		if (name.length() > 200) {
			return "the name is " + name.length() + " characters long";
		}
		if (!VALID.matcher(name).matches()) {
			return "the name contains characters outside A-Za-z0-9._-";
		}
		if (QueueSpec.isDeadLetterQueue(name)) {
			return "names ending in '.dlq' are reserved for dead-letter queues";
		}
		return null;
	}

	/**
	 * @param name a queue name
	 * @throws IllegalArgumentException when the name breaks the rules
	 */
	public static void validate(@Nullable String name) {
		String problem = problem(name);
		if (problem != null) {
			throw new IllegalArgumentException(
					"Invalid queue name '" + name + "': " + problem + " (allowed: " + RULE + ")");
		}
	}

	/**
	 * Validates a name that may also be a dead-letter queue (for reads, redrive and consumers).
	 * @param name a queue or dead-letter queue name
	 * @throws IllegalArgumentException when the name breaks the rules
	 */
	public static void validateReadable(@Nullable String name) {
		if (name == null || !QueueSpec.isDeadLetterQueue(name)) {
			validate(name);
			return;
		}
		String problem = problem(sourceOf(name));
		if (problem != null) {
			// Named as given: the source's name alone would hide which argument was wrong.
			throw new IllegalArgumentException("Invalid queue name '" + name + "': it is the dead-letter queue of '"
					+ sourceOf(name) + "', and " + problem + " (allowed: " + RULE + ", plus '.dlq')");
		}
	}

	/**
	 * @param deadLetterQueue a dead-letter queue name
	 * @return the name of the queue it belongs to
	 */
	public static String sourceOf(String deadLetterQueue) {
		return QueueSpec.sourceQueueOf(deadLetterQueue);
	}

}
