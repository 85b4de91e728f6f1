package dev.fila.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

import dev.fila.annotation.FilaListener;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaTemplate;
import dev.fila.core.KeyStats;
import dev.fila.core.OutboundMessage;
import dev.fila.listener.FilaListenerRegistry;

/**
 * Pattern 2, fan-out with fairness keys: a noisy tenant enqueues a big backlog, then a quiet
 * tenant enqueues a few jobs. The queue's {@code on-enqueue} Lua hook
 * ({@code lua/tenant-enqueue.lua}, set in application.yml) makes each job's {@code type}
 * header its fairness key, and the queue delivers by deficit round robin over the keys, so the
 * quiet tenant is served right away instead of after the whole backlog.
 */
@Component
public class FairFanOut {

	/** The queue, declared in application.yml. */
	public static final String QUEUE = "tenant-jobs";

	/** The consumer id, configured under fila.consumers in application.yml. */
	public static final String CONSUMER_ID = "tenant-jobs-worker";

	/** The header the on-enqueue hook reads the fairness key from. */
	public static final String TENANT_HEADER = "type";

	private final FilaTemplate fila;

	private final FilaAdmin admin;

	private final FilaListenerRegistry consumers;

	private final List<String> deliveryOrder = Collections.synchronizedList(new ArrayList<>());

	private volatile CountDownLatch done = new CountDownLatch(0);

	private volatile Result lastResult;

	public FairFanOut(FilaTemplate fila, FilaAdmin admin, FilaListenerRegistry consumers) {
		this.fila = fila;
		this.admin = admin;
		this.consumers = consumers;
	}

	/**
	 * A job.
	 *
	 * @param tenant who submitted it
	 * @param number its number within the tenant's jobs
	 */
	public record Job(String tenant, int number) {
	}

	/**
	 * What the demo saw.
	 *
	 * @param noisyJobs jobs of the noisy tenant, enqueued first
	 * @param quietJobs jobs of the quiet tenant, enqueued after them
	 * @param backlog the per fairness key backlog before the worker started
	 * @param quietPositions the 1-based delivery positions of the quiet tenant's jobs
	 * @param elapsed time from starting the worker to the last job done
	 */
	public record Result(int noisyJobs, int quietJobs, List<KeyStats> backlog, List<Integer> quietPositions,
			Duration elapsed) {

		/** @return the position of the quiet tenant's last delivery */
		public int lastQuietPosition() {
			return this.quietPositions.isEmpty() ? 0 : Collections.max(this.quietPositions);
		}

	}

	/**
	 * One worker, and each job takes about a millisecond. The worker does not start with the
	 * application ({@code auto-startup: false} in application.yml) so that the whole backlog
	 * is in place when it starts.
	 */
	@FilaListener(queue = QUEUE, id = CONSUMER_ID, concurrency = "1")
	void handle(Job job, @Header(TENANT_HEADER) String tenant) throws InterruptedException {
		Thread.sleep(1);
		CountDownLatch running = this.done;
		if (running.getCount() > 0) {
			// Only the demo run is recorded (with sample.keep-running, LiveTraffic goes on).
			this.deliveryOrder.add(tenant);
			running.countDown();
		}
	}

	/**
	 * Enqueues the noisy tenant's jobs, then the quiet tenant's, starts the worker and waits
	 * for every job.
	 * @param noisyJobs how many jobs the noisy tenant enqueues first
	 * @param quietJobs how many jobs the quiet tenant enqueues after them
	 * @return where the quiet tenant's jobs landed in the delivery order
	 * @throws InterruptedException when interrupted while waiting
	 */
	public Result run(int noisyJobs, int quietJobs) throws InterruptedException {
		this.deliveryOrder.clear();
		this.done = new CountDownLatch(noisyJobs + quietJobs);
		// One batch per tenant: enqueueAll is one round trip where the driver allows.
		this.fila.enqueueAll(QUEUE, jobs("noisy", noisyJobs));
		this.fila.enqueueAll(QUEUE, jobs("quiet", quietJobs));
		List<KeyStats> backlog = this.admin.stats(QUEUE).keys();
		long start = System.nanoTime();
		this.consumers.start(CONSUMER_ID);
		if (!this.done.await(15, TimeUnit.SECONDS)) {
			throw new IllegalStateException("Only " + this.deliveryOrder.size() + " of " + (noisyJobs + quietJobs)
					+ " jobs were processed within 15 seconds");
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		List<Integer> quietPositions = new ArrayList<>();
		synchronized (this.deliveryOrder) {
			for (int i = 0; i < this.deliveryOrder.size(); i++) {
				if ("quiet".equals(this.deliveryOrder.get(i))) {
					quietPositions.add(i + 1);
				}
			}
		}
		this.lastResult = new Result(noisyJobs, quietJobs, backlog, List.copyOf(quietPositions), elapsed);
		return this.lastResult;
	}

	/** @return the result of the last {@link #run}, or {@code null} before it finished */
	public Result lastResult() {
		return this.lastResult;
	}

	private static List<OutboundMessage> jobs(String tenant, int count) {
		List<OutboundMessage> jobs = new ArrayList<>(count);
		for (int i = 1; i <= count; i++) {
			jobs.add(OutboundMessage.of(Map.of(TENANT_HEADER, tenant), new Job(tenant, i)));
		}
		return jobs;
	}

}
