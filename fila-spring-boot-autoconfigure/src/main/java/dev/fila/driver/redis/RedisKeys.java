package dev.fila.driver.redis;

import dev.fila.driver.QueueSpec;

/**
 * The Redis key layout. Under a driver's key prefix {@code P}:
 * <ul>
 * <li>{@code P:queues}: the set of queue names;</li>
 * <li>{@code P:throttle:<throttle key>}: a token bucket;</li>
 * <li>{@code P:{<source>}:<queue>:<suffix>}: a queue's keys, where {@code <source>} is the
 * queue itself, or for a dead-letter queue {@code <queue>.dlq} its source queue, so that a
 * queue and its dead-letter queue share one hash slot on Redis Cluster. The suffixes, written
 * by the scripts, are fixed words ({@code meta}, {@code c}, {@code seq}, {@code ring},
 * {@code ringset}, {@code w}, {@code drr}, {@code turn}, {@code kin}, {@code kdl},
 * {@code leases}, {@code lt}, {@code delayed}, {@code kp}, {@code wo}, {@code kl}, {@code ag}, {@code purge},
 * {@code purging}, and {@code ring}, {@code ringset}, {@code drr} followed by a priority level
 * 1 to 9), {@code m:<message id>}, {@code k:<fairness key>} and {@code k<level>:<fairness key>}
 * (a key's list at priority level 1 to 9).</li>
 * </ul>
 * <h2>Why two queues never share a key, and a queue keeps to one slot</h2>
 * Queue names go into keys {@linkplain #escape escaped}: {@code %}, <code>{</code>,
 * <code>}</code> and {@code :} become {@code %25}, {@code %7B}, {@code %7D}, {@code %3A}
 * (valid queue names hold none of them, so they are unchanged), and the empty name becomes
 * {@code %}. So an escaped name holds no {@code :} nor brace, and distinct names stay distinct.
 * The prefix holds no brace (the factory refuses one). Reading a queue key from the left: the
 * prefix, <code>:{</code>, the escaped source up to the first <code>}</code>, {@code :}, the
 * escaped queue up to the next {@code :}, then the suffix; the suffix's first word tells a
 * fixed name from a message id or a fairness key, which may hold anything. So the key gives
 * back the queue and what it holds, and keys of different queues or fairness keys differ. The
 * first <code>{</code> of every queue key is the one after the prefix and the first
 * <code>}</code> after it closes the escaped source, which is never empty: Redis Cluster hashes
 * every key of a queue and of its dead-letter queue on that source alone, whatever the
 * fairness keys hold. The registry and bucket keys start {@code P:q} and {@code P:t}, never
 * <code>P:{</code>.
 * <p>
 * Fairness keys are stored as their UTF-8 bytes: a Java string with an unpaired surrogate has
 * none, and {@link dev.fila.scheduling.Scheduling} replaces it with {@code ?} (as UTF-8
 * encoding would), the same in every driver.
 */
final class RedisKeys {

	private RedisKeys() {
	}

	/**
	 * @param prefix the key prefix
	 * @param queue a queue or dead-letter queue name
	 * @return the start of every key of the queue: <code>P:{source}:queue:</code>
	 */
	static String base(String prefix, String queue) {
		return tagged(prefix, queue) + escape(queue) + ":";
	}

	/**
	 * @param prefix the key prefix
	 * @param queue a queue or dead-letter queue name
	 * @return the sharded notification channel of the queue and its dead-letter queue
	 */
	static String channel(String prefix, String queue) {
		return tagged(prefix, queue) + "notify";
	}

	/** <code>P:{source}:</code>: the hash tag shared by a queue and its dead-letter queue. */
	private static String tagged(String prefix, String queue) {
		return prefix + ":{" + escape(QueueSpec.sourceQueueOf(queue)) + "}:";
	}

	/**
	 * @param queue a queue name
	 * @return the name with {@code %}, braces and {@code :} percent-encoded; {@code %} for the
	 * empty name
	 */
	static String escape(String queue) {
		if (queue.isEmpty()) {
			return "%";
		}
		StringBuilder escaped = null;
		for (int i = 0; i < queue.length(); i++) {
			char c = queue.charAt(i);
			String replacement = switch (c) {
				case '%' -> "%25";
				case '{' -> "%7B";
				case '}' -> "%7D";
				case ':' -> "%3A";
				default -> null;
			};
			if (replacement != null && escaped == null) {
				escaped = new StringBuilder(queue.length() + 8).append(queue, 0, i);
			}
			if (escaped != null) {
				if (replacement != null) {
					escaped.append(replacement);
				}
				else {
					escaped.append(c);
				}
			}
		}
		return (escaped != null) ? escaped.toString() : queue;
	}

}
