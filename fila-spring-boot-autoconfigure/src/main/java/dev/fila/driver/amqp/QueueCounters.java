package dev.fila.driver.amqp;

import java.util.concurrent.atomic.LongAdder;

/**
 * Expired leases and throttle-limited selections of one queue in this instance: kept by the
 * driver, so that they outlive the queue's sessions (a session closes when idle).
 */
record QueueCounters(LongAdder expiredLeases, LongAdder throttleLimited) {

	QueueCounters() {
		this(new LongAdder(), new LongAdder());
	}

}
