package dev.fila.dashboard;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.fila.actuate.FilaEndpoint;
import dev.fila.actuate.FilaEndpoint.QueueActionDescriptor;
import dev.fila.core.FilaAdmin;

/**
 * The dashboard's write actions, through the {@link FilaEndpoint}'s operations where it has
 * them (pause, resume, purge, redrive, throttles, runtime configuration) and the
 * {@link FilaAdmin} for a key's weight and in-flight limit. Whether they are allowed at all is
 * the caller's decision ({@code fila.dashboard.read-only}).
 */
public class DashboardActions {

	/** The actions on a queue, as the page names them. */
	public static final List<String> QUEUE_ACTIONS = List.of("redrive", "purge", "pause", "resume", "weight",
			"max-in-flight");

	private final FilaEndpoint endpoint;

	private final FilaAdmin admin;

	/**
	 * @param endpoint pause, resume, purge, redrive, throttles and runtime configuration
	 * @param admin weights and in-flight limits
	 */
	public DashboardActions(FilaEndpoint endpoint, FilaAdmin admin) {
		this.endpoint = endpoint;
		this.admin = admin;
	}

	/**
	 * Runs an action on a queue or one of its fairness keys.
	 * @param queue the queue (for a redrive, the queue or its dead-letter queue)
	 * @param action one of {@link #QUEUE_ACTIONS}
	 * @param key the fairness key: for {@code pause} and {@code resume} (the whole queue without
	 * it), required for {@code weight} and {@code max-in-flight}, refused for {@code purge} and
	 * {@code redrive}
	 * @param count for {@code redrive}, the most messages to move (all without it); refused for
	 * {@code purge}
	 * @param value for {@code weight}, the weight ({@code <= 0} or empty removes the override);
	 * for {@code max-in-flight}, the limit ({@code <= 0} or empty removes the override)
	 * @return what was done
	 * @throws IllegalArgumentException for an unknown action or a bad argument
	 */
	public Result queueAction(String queue, String action, @Nullable String key, @Nullable Integer count,
			@Nullable String value) {
		switch (action) {
			case "pause", "resume" -> {
				QueueActionDescriptor done = this.endpoint.queueAction(queue, action, null, key);
				return new Result(action, done.queue(), done.key(), null, 0);
			}
			// A key or count they do not take goes along, so that the endpoint refuses it: dropped
			// here, a purge meant for one key would empty the whole queue.
			case "purge" -> {
				QueueActionDescriptor done = this.endpoint.queueAction(queue, action, count, key);
				return new Result(action, done.queue(), null, null, done.count());
			}
			case "redrive" -> {
				QueueActionDescriptor done = this.endpoint.queueAction(queue, action, count, key);
				return new Result(action, done.queue(), null, null, done.count());
			}
			case "weight" -> {
				String fairnessKey = requireKey(action, key);
				double weight = isBlank(value) ? 0 : parseDouble(value);
				this.admin.setKeyWeight(queue, fairnessKey, weight);
				return new Result(action, queue, fairnessKey, (weight > 0) ? Double.toString(weight) : null, 0);
			}
			case "max-in-flight" -> {
				String fairnessKey = requireKey(action, key);
				int limit = isBlank(value) ? 0 : parseInt(value);
				this.admin.setKeyMaxInFlight(queue, fairnessKey, limit);
				return new Result(action, queue, fairnessKey, (limit > 0) ? Integer.toString(limit) : null, 0);
			}
			default -> throw new IllegalArgumentException(
					"Unknown action '" + action + "': use one of " + String.join(", ", QUEUE_ACTIONS));
		}
	}

	/**
	 * Creates or changes a throttle on every driver.
	 * @param key the throttle key
	 * @param rate permits per second, positive
	 * @param burst the bucket size, at least 1 ({@code null}: the rate rounded up)
	 * @return what was done
	 */
	public Result throttle(String key, double rate, @Nullable Long burst) {
		FilaEndpoint.ThrottleDescriptor done = (FilaEndpoint.ThrottleDescriptor) this.endpoint.update("throttles", key,
				null, rate, burst);
		return new Result("throttle", key, null, done.rate() + "/s, burst " + done.burst(), 0);
	}

	/**
	 * Sets a runtime configuration value.
	 * @param key the key
	 * @param value the value
	 * @return what was done
	 */
	public Result config(String key, String value) {
		this.endpoint.update("config", key, value, null, null);
		return new Result("config", key, null, value, 0);
	}

	private static String requireKey(String action, @Nullable String key) {
		if (isBlank(key)) {
			throw new IllegalArgumentException("Action '" + action + "' needs a \"key\"");
		}
		return key;
	}

	private static boolean isBlank(@Nullable String value) {
		return value == null || value.isBlank();
	}

	private static double parseDouble(String value) {
		try {
			double parsed = Double.parseDouble(value.trim());
			if (Double.isNaN(parsed) || Double.isInfinite(parsed)) {
				throw new NumberFormatException();
			}
			return parsed;
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("\"value\" must be a number, was '" + value + "'");
		}
	}

	private static int parseInt(String value) {
		try {
			return Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("\"value\" must be an integer, was '" + value + "'");
		}
	}

	/**
	 * What an action did.
	 *
	 * @param action the action
	 * @param target the queue, throttle or configuration key acted on
	 * @param key the fairness key acted on, {@code null} for the whole queue
	 * @param value the value set, {@code null} when none or removed
	 * @param count messages removed or moved
	 */
	public record Result(String action, String target, @Nullable String key, @Nullable String value, long count) {
	}

}
