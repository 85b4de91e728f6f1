package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import dev.fila.driver.LeasedMessage;
import dev.fila.scheduling.FairScheduler;
import dev.fila.scheduling.Leases;

/**
 * The deliveries a {@link QueueSession} handed out, each leased until it is acked, nacked,
 * released or its lease runs out. A leased delivery stays unacked on the channel it came from;
 * once that channel is gone, RabbitMQ requeued it and its lease is only forgotten. Shares the
 * session's lock.
 */
final class DeliveryLeases {

	private final ReentrantLock lock;

	private final FairScheduler<KeyBuffer, Delivery> scheduler;

	private final KeyBuffers keys;

	private final QueueCounters counters;

	/** The session's channel generation: a delivery of an older one is no longer on the channel. */
	private final LongSupplier generation;

	private final Leases<Delivery> leased = new Leases<>();

	private long sequence;

	DeliveryLeases(FairScheduler<KeyBuffer, Delivery> scheduler, KeyBuffers keys, QueueCounters counters,
			LongSupplier generation) {
		this.lock = scheduler.lock();
		this.scheduler = scheduler;
		this.keys = keys;
		this.counters = counters;
		this.generation = generation;
	}

	/** Leases a delivery being handed out, until the deadline. Under the lock. */
	void lease(Delivery delivery, long deadline) {
		delivery.key.inFlight++;
		delivery.token = this.generation.getAsLong() + "/" + (++this.sequence);
		this.leased.lease(delivery.token, delivery, deadline);
	}

	/** Takes a leased delivery out of the lease table; null when its lease was lost. */
	@Nullable Delivery settle(LeasedMessage message) {
		this.lock.lock();
		try {
			Delivery delivery = this.leased.take(message.leaseToken());
			if (delivery != null) {
				delivery.key.inFlight--;
				this.scheduler.released(delivery.key);
				settled(delivery);
				this.keys.forgetIfIdle(delivery.key);
				if (!delivery.channel.isOpen()) {
					return null;
				}
			}
			return delivery;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean release(LeasedMessage message) {
		this.lock.lock();
		try {
			Delivery delivery = this.leased.take(message.leaseToken());
			if (delivery == null) {
				return false;
			}
			delivery.key.inFlight--;
			this.scheduler.released(delivery.key);
			if (delivery.generation != this.generation.getAsLong() || !delivery.channel.isOpen()) {
				this.keys.forgetIfIdle(delivery.key);
				return false;
			}
			// Still unacked on the channel: back to the head of its key, same attempt number.
			KeyBuffer key = this.keys.get(delivery.envelope.scheduling().fairnessKey());
			this.scheduler.add(key, delivery, key.weight(), true);
			this.scheduler.signal(1);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean extend(LeasedMessage message, Duration duration) {
		this.lock.lock();
		try {
			Delivery delivery = this.leased.get(message.leaseToken());
			if (delivery == null || !delivery.channel.isOpen()) {
				return false;
			}
			return this.leased.extend(message.leaseToken(), System.nanoTime() + duration.toNanos());
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Leases that ran out, taken out of the lease table for the driver to republish; those of a
	 * channel that died are only dropped (RabbitMQ requeued their messages when it closed).
	 */
	List<Delivery> takeExpired() {
		this.lock.lock();
		try {
			long now = System.nanoTime();
			List<Delivery> expired = List.of();
			Delivery delivery;
			while ((delivery = this.leased.pollExpired(now)) != null) {
				delivery.key.inFlight--;
				this.scheduler.released(delivery.key);
				settled(delivery);
				this.keys.forgetIfIdle(delivery.key);
				this.counters.expiredLeases().increment();
				// On a dead channel RabbitMQ requeued the message already: a copy would be a duplicate.
				if (delivery.generation == this.generation.getAsLong() && delivery.channel.isOpen()) {
					if (expired.isEmpty()) {
						expired = new ArrayList<>();
					}
					expired.add(delivery);
				}
			}
			return expired;
		}
		finally {
			this.lock.unlock();
		}
	}

	int size() {
		this.lock.lock();
		try {
			return this.leased.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A key-queue delivery is settled here. It stays unacked in RabbitMQ (counted in its
	 * source) until {@link Delivery#ack} or {@link Delivery#reject} runs, after a retry's copy
	 * was published: until then the key's queue must not look idle to an expiry.
	 */
	private void settled(Delivery delivery) {
		if (delivery.source != null && delivery.generation == this.generation.getAsLong()) {
			delivery.source.lastActivity = System.nanoTime();
		}
	}

}
