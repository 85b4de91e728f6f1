package dev.fila.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import dev.fila.core.FilaMetricsRecorder;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.observation.DefaultFilaListenerObservationConvention;
import dev.fila.observation.FilaListenerContext;
import dev.fila.observation.FilaListenerObservationConvention;
import dev.fila.observation.FilaObservationDocumentation;
import dev.fila.queue.QueueBinding;
import dev.fila.scheduling.FailureDecision;

/**
 * Runs one consumer: {@code concurrency} worker threads share a buffer of at most
 * {@code prefetch} leased messages. A worker takes a buffered message when there is one; a
 * worker that finds the buffer empty fetches from the driver itself, keeps one message and
 * buffers the rest (no more than the buffer has room for). So the consumer never holds more
 * than {@code prefetch} buffered plus {@code concurrency} running messages, and when workers
 * are busy nothing is fetched (backpressure).
 * <p>
 * A heartbeat extends the lease of every held message before it runs out, so a slow handler
 * is not delivered twice. Stopping stops fetching, returns buffered messages to the queue
 * without counting an attempt, and waits up to {@code shutdownTimeout} for running handlers.
 * <p>
 * Each handler invocation is a {@code fila.listener} observation (a child of the producer's
 * trace when the message headers carry one), and deliveries, acks and nacks are reported to
 * a {@link FilaMetricsRecorder}.
 */
public class FilaListenerContainer {

	private static final Logger logger = LoggerFactory.getLogger(FilaListenerContainer.class);

	private static final Duration FETCH_WAIT = Duration.ofSeconds(1);

	private static final long WORKER_POLL_MILLIS = 100;

	private static final long INITIAL_BACKOFF_MILLIS = 100;

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	/** Most fetches of one consumer on their way at once. */
	private static final int MAX_FETCHES = 2;

	/** Most acks sent to the driver in one call. */
	private static final int MAX_ACK_BATCH = 500;

	private final ConsumerSettings settings;

	private final QueueBinding binding;

	private final FilaMessageHandler handler;

	private final ScheduledExecutorService heartbeatScheduler;

	private final Object lifecycleMonitor = new Object();

	/** Buffered and running messages by id (ids hash cheaply; the message records do not). */
	private final Map<String, LeasedMessage> held = new ConcurrentHashMap<>();

	private final Map<Thread, LeasedMessage> running = new ConcurrentHashMap<>();

	private final AtomicInteger busyWorkers = new AtomicInteger();

	private volatile boolean active;

	private FilaMetricsRecorder metricsRecorder = FilaMetricsRecorder.NONE;

	/** The recorder bound to this consumer when it starts: no lookup per message. */
	private FilaMetricsRecorder.ConsumerRecorder consumerRecorder = FilaMetricsRecorder.ConsumerRecorder.NONE;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private @Nullable FilaListenerObservationConvention observationConvention;

	/** This consumer's own default convention: it builds the consumer's tags once. */
	private final DefaultFilaListenerObservationConvention defaultObservationConvention =
			new DefaultFilaListenerObservationConvention();

	private volatile @Nullable Run run;

	/** Coalesces the workers' acks into batches. */
	private final AckBatcher acks;

	/**
	 * @param settings the consumer settings
	 * @param binding the queue it consumes
	 * @param handler the message handler
	 * @param heartbeatScheduler runs lease heartbeats, shared between containers
	 */
	public FilaListenerContainer(ConsumerSettings settings, QueueBinding binding, FilaMessageHandler handler,
			ScheduledExecutorService heartbeatScheduler) {
		this.settings = settings;
		this.binding = binding;
		this.handler = handler;
		this.heartbeatScheduler = heartbeatScheduler;
		this.acks = new AckBatcher(binding.driver(), Math.max(settings.prefetch(), settings.concurrency()),
				MAX_ACK_BATCH, new AckOutcome());
	}

	/**
	 * @param metricsRecorder told about deliveries, acks and nacks
	 */
	public void setMetricsRecorder(FilaMetricsRecorder metricsRecorder) {
		this.metricsRecorder = metricsRecorder;
	}

	/**
	 * @param observationRegistry where {@code fila.listener} observations go; none by default
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	/**
	 * @param observationConvention a convention replacing the default one, or {@code null}
	 */
	public void setObservationConvention(@Nullable FilaListenerObservationConvention observationConvention) {
		this.observationConvention = observationConvention;
	}

	/** @return the queue this consumer consumes */
	public String getQueueName() {
		return this.binding.name();
	}

	/** @return the name of the driver holding the queue */
	public String getDriverName() {
		return this.binding.driver().name();
	}

	/** @return the consumer id */
	public String getId() {
		return this.settings.id();
	}

	/** @return the effective settings */
	public ConsumerSettings getSettings() {
		return this.settings;
	}

	/** @return the handler */
	public FilaMessageHandler getHandler() {
		return this.handler;
	}

	/** @return whether the consumer is running */
	public boolean isRunning() {
		return this.active;
	}

	/** @return the number of workers running a handler right now */
	public int getBusyWorkers() {
		return this.busyWorkers.get();
	}

	/** @return the number of fetched messages waiting for a worker */
	public int getBuffered() {
		Run current = this.run;
		return (current != null) ? current.buffer.size() : 0;
	}

	/** Starts fetching and handling; does nothing when running. */
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.active) {
				return;
			}
			this.active = true;
			this.consumerRecorder = this.metricsRecorder.bindConsumer(getId(), getQueueName(), getDriverName());
			Run started = new Run();
			this.run = started;
			started.start();
			logger.info("Started Fila consumer '{}' on queue '{}' (concurrency {}, prefetch {})", getId(),
					this.binding.name(), this.settings.concurrency(), this.settings.prefetch());
		}
	}

	/**
	 * Stops gracefully: no more fetching, buffered messages go back to the queue without
	 * counting an attempt, running handlers get up to {@code shutdownTimeout} to finish.
	 * Handlers still running then are reported and their leases left to expire.
	 * @return the messages whose handler did not finish in time
	 */
	public List<LeasedMessage> stop() {
		synchronized (this.lifecycleMonitor) {
			Run stopping = this.run;
			if (!this.active || stopping == null) {
				return List.of();
			}
			this.active = false;
			List<LeasedMessage> unfinished = stopping.stop();
			this.run = null;
			if (unfinished.isEmpty()) {
				logger.info("Stopped Fila consumer '{}' on queue '{}'", getId(), this.binding.name());
			}
			else {
				logger.warn("Stopped Fila consumer '{}' on queue '{}': {} handler(s) did not finish within {}: {}; "
						+ "their messages will be delivered again when their lease expires", getId(),
						this.binding.name(), unfinished.size(), this.settings.shutdownTimeout(), unfinished);
			}
			return unfinished;
		}
	}

	private FilaDriver driver() {
		return this.binding.driver();
	}

	private void handle(LeasedMessage message) {
		String driverName = driver().name();
		this.consumerRecorder.delivered(message);
		Observation observation = FilaObservationDocumentation.LISTENER
			.observation(this.observationConvention, this.defaultObservationConvention,
					() -> new FilaListenerContext(message, getId(), driverName), this.observationRegistry)
			.start();
		if (observation.isNoop()) {
			// Nothing observes this call (no registry, or fila.listener turned off): no scope
			// to open, since a worker thread has no enclosing observation it would hide.
			invoke(message, observation);
			return;
		}
		try (Observation.Scope scope = observation.openScope()) {
			invoke(message, observation);
		}
		finally {
			observation.stop();
		}
	}

	private void invoke(LeasedMessage message, Observation observation) {
		Settlement settlement = new Settlement(message);
		try {
			this.handler.handle(message, settlement);
			if (!settlement.isSettled()) {
				if (this.handler.isManualAcknowledgement()) {
					settlement.fail("Handler returned without calling Acknowledgement.ack() or nack()");
				}
				else {
					settlement.ack();
				}
			}
		}
		catch (Throwable ex) {
			observation.error(ex);
			if (settlement.isSettled()) {
				logger.warn("Handler of consumer '{}' threw after settling message {} on queue '{}'", getId(),
						message.id(), message.queue(), ex);
				return;
			}
			String error = describe(ex);
			if (ex instanceof DeadLetterException) {
				logger.warn("Message {} on queue '{}' dead-lettered by consumer '{}': {}", message.id(),
						message.queue(), getId(), error);
				settlement.settle(FailureDecision.deadLetter(), error);
			}
			else {
				logger.debug("Handler of consumer '{}' failed on message {} (attempt {})", getId(), message.id(),
						message.attempts(), ex);
				settlement.fail(error);
			}
		}
	}

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return (message != null && !message.isBlank()) ? message : ex.getClass().getName();
	}

	private void heartbeat() {
		Duration lease = this.binding.definition().visibilityTimeout();
		for (LeasedMessage message : this.held.values()) {
			try {
				// A message settled meanwhile has left 'held' already: its lease is gone on purpose.
				if (!driver().extendLease(message, lease) && this.held.remove(message.id()) != null) {
					logger.warn("Lease of message {} on queue '{}' was lost before consumer '{}' finished it",
							message.id(), message.queue(), getId());
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not extend lease of message {} on queue '{}'", message.id(), message.queue(), ex);
			}
		}
	}

	private void releaseUnstarted(LeasedMessage message) {
		this.held.remove(message.id());
		try {
			driver().release(message);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not return message {} to queue '{}'; it comes back when its lease expires",
					message.id(), message.queue(), ex);
		}
	}

	/** The threads and buffer of one start/stop cycle. */
	private final class Run {

		final BlockingQueue<LeasedMessage> buffer;

		final Semaphore freeSlots;

		/**
		 * Held by the workers that are fetching, whichever ran dry: up to {@value #MAX_FETCHES} at
		 * a time while the queue delivers, so that one fetch's round trip overlaps the next (each
		 * takes what buffer room is free when it starts); one while it is idle, so that an idle
		 * consumer waits in a single fetch.
		 */
		final Semaphore fetching;

		final int fetchPermits;

		/** Whether the last fetch returned messages. */
		volatile boolean delivering;

		final List<Thread> workers = new ArrayList<>();

		volatile long backoff = INITIAL_BACKOFF_MILLIS;

		@Nullable ScheduledFuture<?> heartbeat;

		Run() {
			int prefetch = FilaListenerContainer.this.settings.prefetch();
			this.buffer = new ArrayBlockingQueue<>(prefetch);
			this.freeSlots = new Semaphore(prefetch);
			this.fetchPermits = Math.min(MAX_FETCHES, FilaListenerContainer.this.settings.concurrency());
			this.fetching = new Semaphore(this.fetchPermits);
			for (int i = 1; i <= FilaListenerContainer.this.settings.concurrency(); i++) {
				this.workers.add(new Thread(this::workLoop, "fila-" + getId() + "-" + i));
			}
		}

		void start() {
			long period = Math.max(10, FilaListenerContainer.this.binding.definition().visibilityTimeout().toMillis() / 3);
			this.heartbeat = FilaListenerContainer.this.heartbeatScheduler.scheduleAtFixedRate(
					FilaListenerContainer.this::heartbeat, period, period, TimeUnit.MILLISECONDS);
			this.workers.forEach(Thread::start);
		}

		/**
		 * Each worker takes a buffered message if there is one; a worker that finds the buffer
		 * empty fetches from the driver itself (see {@link #fetching}), keeps the first message
		 * and buffers the rest for the others. No thread hands messages to another in the
		 * common case, and the buffer never holds more than {@code prefetch} messages.
		 */
		private void workLoop() {
			withContext(() -> {
				while (true) {
					LeasedMessage message = this.buffer.poll();
					if (message != null) {
						this.freeSlots.release();
					}
					else {
						if (!FilaListenerContainer.this.active) {
							return;
						}
						if (tryStartFetch()) {
							try {
								message = fetchForSelf();
							}
							finally {
								this.fetching.release();
							}
						}
						else {
							try {
								message = this.buffer.poll(WORKER_POLL_MILLIS, TimeUnit.MILLISECONDS);
							}
							catch (InterruptedException ex) {
								return;
							}
							if (message != null) {
								this.freeSlots.release();
							}
						}
						if (message == null) {
							if (Thread.currentThread().isInterrupted()) {
								return;
							}
							continue;
						}
					}
					if (!FilaListenerContainer.this.active) {
						releaseUnstarted(message);
						continue;
					}
					FilaListenerContainer.this.busyWorkers.incrementAndGet();
					FilaListenerContainer.this.running.put(Thread.currentThread(), message);
					try {
						handle(message);
					}
					finally {
						FilaListenerContainer.this.running.remove(Thread.currentThread());
						FilaListenerContainer.this.held.remove(message.id());
						FilaListenerContainer.this.busyWorkers.decrementAndGet();
					}
				}
			});
		}

		private boolean tryStartFetch() {
			if (!this.delivering && this.fetching.availablePermits() < this.fetchPermits) {
				return false;
			}
			return this.fetching.tryAcquire();
		}

		/**
		 * Fetches one message for the calling worker plus as many as the buffer has room for.
		 * @return the worker's message, or {@code null} when none came (or the fetch failed)
		 */
		private @Nullable LeasedMessage fetchForSelf() {
			int slots = this.freeSlots.drainPermits();
			List<LeasedMessage> fetched;
			try {
				fetched = driver().fetch(FilaListenerContainer.this.binding.name(), 1 + slots, FETCH_WAIT);
				this.backoff = INITIAL_BACKOFF_MILLIS;
			}
			catch (InterruptedException ex) {
				this.freeSlots.release(slots);
				Thread.currentThread().interrupt();
				return null;
			}
			catch (RuntimeException ex) {
				this.freeSlots.release(slots);
				logger.warn("Consumer '{}' could not fetch from queue '{}', retrying in {} ms: {}", getId(),
						FilaListenerContainer.this.binding.name(), this.backoff, ex.toString());
				sleep(this.backoff);
				this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MILLIS);
				return null;
			}
			if (!FilaListenerContainer.this.active) {
				this.freeSlots.release(slots);
				fetched.forEach(FilaListenerContainer.this::releaseUnstarted);
				return null;
			}
			this.delivering = !fetched.isEmpty();
			if (fetched.isEmpty()) {
				this.freeSlots.release(slots);
				return null;
			}
			for (LeasedMessage message : fetched) {
				FilaListenerContainer.this.held.put(message.id(), message);
			}
			int buffered = fetched.size() - 1;
			this.freeSlots.release(slots - buffered);
			for (int i = 1; i < fetched.size(); i++) {
				this.buffer.add(fetched.get(i));
			}
			return fetched.get(0);
		}

		List<LeasedMessage> stop() {
			// Wake a waiting fetch rather than interrupt it: an interrupted call to a remote
			// driver could lease messages whose reply is then lost.
			driver().wakeUp(FilaListenerContainer.this.binding.name());
			long deadline = System.nanoTime() + FilaListenerContainer.this.settings.shutdownTimeout().toNanos();
			try {
				// Once no fetch is running, no new message enters the buffer.
				if (this.fetching.tryAcquire(this.fetchPermits, FETCH_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
					this.fetching.release(this.fetchPermits);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			LeasedMessage unstarted;
			while ((unstarted = this.buffer.poll()) != null) {
				this.freeSlots.release();
				releaseUnstarted(unstarted);
			}
			for (Thread worker : this.workers) {
				join(worker, deadline);
			}
			// Finished work must not come back: acks still waiting for a batch go now.
			FilaListenerContainer.this.acks.flush();
			List<LeasedMessage> unfinished = new ArrayList<>();
			for (Thread worker : this.workers) {
				LeasedMessage message = FilaListenerContainer.this.running.get(worker);
				if (worker.isAlive() && message != null) {
					unfinished.add(message);
					// Stop heartbeating: a stuck handler must let its lease expire.
					FilaListenerContainer.this.held.remove(message.id());
				}
			}
			if (this.heartbeat != null) {
				this.heartbeat.cancel(false);
			}
			return unfinished;
		}

		private void join(Thread thread, long deadlineNanos) {
			long remaining = deadlineNanos - System.nanoTime();
			if (remaining <= 0) {
				return;
			}
			try {
				thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		private void sleep(long millis) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				// Keep the interrupt: the worker loop sees it and exits.
				Thread.currentThread().interrupt();
			}
		}

		private void withContext(Runnable body) {
			MDC.put("fila.consumer", getId());
			MDC.put("fila.queue", FilaListenerContainer.this.binding.name());
			try {
				body.run();
			}
			finally {
				MDC.clear();
			}
		}

	}

	/** Settles one delivery exactly once, whether the handler or the container does it. */
	private final class Settlement implements Acknowledgement {

		private final LeasedMessage message;

		private final AtomicBoolean settled = new AtomicBoolean();

		Settlement(LeasedMessage message) {
			this.message = message;
		}

		boolean isSettled() {
			return this.settled.get();
		}

		@Override
		public void ack() {
			markSettled();
			// The ack may wait for a batch holding a free buffer slot instead of the worker.
			Run current = FilaListenerContainer.this.run;
			FilaListenerContainer.this.acks.ack(this.message, (current != null) ? current.freeSlots : null);
		}

		@Override
		public void nack(String error) {
			fail(error);
		}

		void fail(String error) {
			settle(FilaListenerContainer.this.binding.decideFailure(this.message, error), error);
		}

		void settle(FailureDecision decision, String error) {
			markSettled();
			if (driver().nack(this.message, decision, error)) {
				FilaListenerContainer.this.consumerRecorder.nacked(this.message,
						decision instanceof FailureDecision.DeadLetter);
			}
			else {
				leaseLost(this.message, "nack");
			}
		}

		private void markSettled() {
			if (!this.settled.compareAndSet(false, true)) {
				throw new IllegalStateException("Message " + this.message.id() + " was already acknowledged");
			}
			// No heartbeat for a settled message: its lease ends with the ack or nack.
			FilaListenerContainer.this.held.remove(this.message.id());
		}

	}

	private static void leaseLost(LeasedMessage message, String operation) {
		logger.warn("Could not {} message {} on queue '{}': its lease was lost and it will be delivered again",
				operation, message.id(), message.queue());
	}

	/** Where the results of batched acks go: the same meters and log lines as a single ack. */
	private final class AckOutcome implements AckBatcher.Outcome {

		@Override
		public void acked(LeasedMessage message) {
			FilaListenerContainer.this.consumerRecorder.acked(message);
		}

		@Override
		public void leaseLost(LeasedMessage message) {
			FilaListenerContainer.leaseLost(message, "ack");
		}

	}

}
