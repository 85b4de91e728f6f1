package dev.fila.driver.amqp;

/**
 * Keeps sessions and producers in step with what the key log says about keys: a key announced
 * is consumed, a key being expired is paused, a key whose queue was deleted is forgotten.
 */
final class KeyLogEvents implements KeyLogListener {

	private final AmqpSessions sessions;

	private final AmqpTopology topology;

	private final PublishedKeys publishedKeys;

	private final KeyExpiry keyExpiry;

	KeyLogEvents(AmqpSessions sessions, AmqpTopology topology, PublishedKeys publishedKeys, KeyExpiry keyExpiry) {
		this.sessions = sessions;
		this.topology = topology;
		this.publishedKeys = publishedKeys;
		this.keyExpiry = keyExpiry;
	}

	@Override
	public void announced(String queue, String key) {
		QueueSession session = this.sessions.get(queue);
		// Shards are all consumed from the start: a new key adds nothing to consume.
		if (session != null && !this.topology.sharded()) {
			session.consumers().keyAnnounced(key);
		}
	}

	@Override
	public void expiring(String queue, String key) {
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			this.sessions.host().execute(() -> session.consumers().pauseForExpiry(key));
		}
	}

	@Override
	public void resumed(String queue, String key) {
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			session.consumers().resumeAfterExpiry(key);
		}
	}

	@Override
	public void expired(String queue, String key) {
		this.keyExpiry.forget(queue, key);
		this.publishedKeys.keyExpired(queue, key);
		QueueSession session = this.sessions.get(queue);
		if (session != null) {
			session.consumers().expired(key);
		}
	}

	/**
	 * Forgets what this instance cached of a queue another instance (or this one) deleted:
	 * above all the reply queues this instance only replied to. Not the spec: this instance
	 * may have created the queue again since.
	 */
	@Override
	public void dropped(String queue) {
		this.topology.forgetQueue(queue);
		this.publishedKeys.queueDropped(queue);
		this.keyExpiry.forgetQueue(queue);
	}

}
