package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * What the driver's timer does every 100 ms: republishes the messages of expired leases,
 * closes idle sessions (giving back what they buffered), opens expiries of idle key queues,
 * closes abandoned ones, forgets retries that came due and keys no longer published to, and
 * keeps the key log read.
 */
final class AmqpHousekeeping implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(AmqpHousekeeping.class);

	private static final long IDLE_KEY_SCAN_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** The longest between two looks for keys to forget. */
	private static final long MAX_KEY_PRUNE_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final String driverName;

	private final Duration sessionIdleTimeout;

	private final AmqpSessions sessions;

	private final AmqpPublisher publisher;

	private final PublishedKeys publishedKeys;

	private final KeyLog keyLog;

	private final KeyExpiry keyExpiry;

	/** When housekeeping last looked for idle key queues (timer thread only). */
	private long lastIdleKeyScan = System.nanoTime();

	/** When housekeeping last forgot due retries and idle keys (timer thread only). */
	private long lastDelayPrune = System.nanoTime();

	private long lastKeyPrune = System.nanoTime();

	AmqpHousekeeping(String driverName, Duration sessionIdleTimeout, AmqpSessions sessions, AmqpPublisher publisher,
			PublishedKeys publishedKeys, KeyLog keyLog, KeyExpiry keyExpiry) {
		this.driverName = driverName;
		this.sessionIdleTimeout = sessionIdleTimeout;
		this.sessions = sessions;
		this.publisher = publisher;
		this.publishedKeys = publishedKeys;
		this.keyLog = keyLog;
		this.keyExpiry = keyExpiry;
	}

	/** Expires leases, closes idle sessions, and keeps the key log read. Runs on the timer. */
	@Override
	public void run() {
		try {
			long idleNanos = this.sessionIdleTimeout.toNanos();
			// Once a second: a session with thousands of keys looks at each of them.
			long now = System.nanoTime();
			boolean scanIdleKeys = this.keyExpiry.enabled() && now - this.lastIdleKeyScan > IDLE_KEY_SCAN_NANOS;
			if (scanIdleKeys) {
				this.lastIdleKeyScan = now;
			}
			for (QueueSession session : this.sessions.all()) {
				List<Delivery> expired = session.leases().takeExpired();
				if (!expired.isEmpty()) {
					logger.info("Queue {}: {} leases expired; delivering those messages again", session.queue(),
							expired.size());
					this.publisher.republish(session.queue(), expired, true);
				}
				List<Delivery> heldBack = session.takeHeldBack();
				if (!heldBack.isEmpty()) {
					this.publisher.republish(session.queue(), heldBack, false);
				}
				if (session.isIdle(idleNanos)) {
					this.sessions.remove(session);
					closeSession(session);
				}
				else if (scanIdleKeys) {
					for (String key : session.consumers().idleKeys(this.keyExpiry.idleNanos())) {
						this.keyExpiry.start(session.queue(), key);
					}
				}
			}
			if (this.keyExpiry.enabled()) {
				this.keyLog.abandonStale();
			}
			if (now - this.lastDelayPrune > IDLE_KEY_SCAN_NANOS) {
				this.lastDelayPrune = now;
				this.publishedKeys.forgetDueDelays(now);
			}
			long forgetKeysNanos = this.publishedKeys.forgetKeysNanos();
			if (now - this.lastKeyPrune > Math.min(MAX_KEY_PRUNE_NANOS, forgetKeysNanos)) {
				this.lastKeyPrune = now;
				this.publishedKeys.forgetIdleKeys(now);
			}
			if (!this.sessions.isEmpty() && !this.keyLog.isRunning()) {
				this.keyLog.start();
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Driver '{}': housekeeping failed ({}); trying again shortly", this.driverName, ex.getMessage());
		}
	}

	/** Closes a session: what it buffered goes back to its queue, what is unacked to RabbitMQ. */
	void closeSession(QueueSession session) {
		List<Delivery> buffered = session.takeBuffered(true);
		if (!buffered.isEmpty()) {
			this.publisher.republish(session.queue(), buffered, false);
		}
		session.closeChannel();
	}

}
