package dev.fila.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
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

import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.LeasedMessage;
import dev.fila.observation.DefaultFilaListenerObservationConvention;
import dev.fila.observation.FilaListenerContext;
import dev.fila.observation.FilaListenerObservationConvention;
import dev.fila.observation.FilaObservationDocumentation;
import dev.fila.queue.FailureLog;
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

	/** How long a stop waits for handlers it interrupted (past the shutdown timeout) to end. */
	private static final long INTERRUPT_GRACE_MILLIS = 1_000;

	private final ConsumerSettings settings;

	private final QueueBinding binding;

	private final FilaMessageHandler handler;

	private final LeaseHeartbeats heartbeats;

	private final Executor workerExecutor;

	private final Object lifecycleMonitor = new Object();

	/**
	 * Buffered and running messages by lease token: one per delivery, where an id is not (a
	 * message delivered twice, as RabbitMQ may, has two leases under one id).
	 */
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

	/** Handler failures and dead letters at WARN, rate-limited. */
	private final FailureLog failureLog;

	/** Coalesces the workers' acks into batches. */
	private final AckBatcher acks;

	/**
	 * @param settings the consumer settings
	 * @param binding the queue it consumes
	 * @param handler the message handler
	 * @param heartbeats runs lease heartbeats, shared between containers
	 * @param workerExecutor runs each worker loop on a thread of its own
	 */
	FilaListenerContainer(ConsumerSettings settings, QueueBinding binding, FilaMessageHandler handler,
			LeaseHeartbeats heartbeats, Executor workerExecutor) {
		this.settings = settings;
		this.binding = binding;
		this.handler = handler;
		this.heartbeats = heartbeats;
		this.workerExecutor = workerExecutor;
		this.failureLog = FailureLog.forConsumer(settings.id());
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
	 * Handlers still running then are reported and interrupted: a handler that ends because of
	 * it returns its message to the queue without counting an attempt; one that goes on lets
	 * its lease expire, and its worker ends once it returns.
	 * @return the messages whose handler did not finish in time
	 */
	public List<FilaMessage> stop() {
		synchronized (this.lifecycleMonitor) {
			Run stopping = this.run;
			if (!this.active || stopping == null) {
				return List.of();
			}
			this.active = false;
			List<FilaMessage> unfinished = List.copyOf(stopping.stop());
			this.run = null;
			if (unfinished.isEmpty()) {
				logger.info("Stopped Fila consumer '{}' on queue '{}'", getId(), this.binding.name());
			}
			else {
				logger.warn("Stopped Fila consumer '{}' on queue '{}': {} handler(s) did not finish within {} and were "
						+ "interrupted: {}; their messages will be delivered again", getId(),
						this.binding.name(), unfinished.size(), this.settings.shutdownTimeout(), unfinished);
			}
			return unfinished;
		}
	}

	private FilaDriver driver() {
		return this.binding.driver();
	}

	private void handle(LeasedMessage message, Run run, Run.HeldAck held) {
		String driverName = driver().name();
		this.consumerRecorder.delivered(message);
		Observation observation = FilaObservationDocumentation.LISTENER
			.observation(this.observationConvention, this.defaultObservationConvention,
					() -> new FilaListenerContext(message, getId(), driverName), this.observationRegistry)
			.start();
		if (observation.isNoop()) {
			// Nothing observes this call (no registry, or fila.listener turned off): no scope
			// to open, since a worker thread has no enclosing observation it would hide.
			invoke(message, run, observation, held);
			return;
		}
		try (Observation.Scope scope = observation.openScope()) {
			invoke(message, run, observation, held);
		}
		finally {
			observation.stop();
		}
	}

	private void invoke(LeasedMessage message, Run run, Observation observation, Run.HeldAck held) {
		Settlement settlement = new Settlement(message, run);
		try {
			this.handler.handle(message, settlement);
			if (!settlement.isSettled()) {
				if (this.handler.isManualAcknowledgement()) {
					settlement.fail("Handler returned without calling Acknowledgement.ack() or nack()");
				}
				else {
					settlement.ackWithNextFetch(held);
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
			if (!run.active && (ex instanceof InterruptedException || Thread.currentThread().isInterrupted())) {
				logger.info("Handler of consumer '{}' stopped by shutdown on message {} of queue '{}'; it goes back to "
						+ "the queue without counting an attempt", getId(), message.id(), message.queue());
				settlement.release();
			}
			else if (ex instanceof DeadLetterException) {
				settlement.settle(FailureDecision.deadLetter(), error);
			}
			else {
				this.failureLog.handlerFailed(message, error, ex);
				settlement.fail(error);
			}
		}
	}

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return (message != null && !message.isBlank()) ? message : ex.getClass().getName();
	}

	private void heartbeat() {
		List<LeasedMessage> messages = List.copyOf(this.held.values());
		if (messages.isEmpty()) {
			return;
		}
		boolean[] extended;
		try {
			extended = driver().extendLeases(messages, this.binding.definition().visibilityTimeout());
		}
		catch (RuntimeException ex) {
			logger.warn("Consumer '{}' could not extend the leases of {} message(s) on queue '{}': {}", getId(),
					messages.size(), this.binding.name(), ex.toString());
			return;
		}
		for (int i = 0; i < messages.size(); i++) {
			LeasedMessage message = messages.get(i);
			// A message settled meanwhile has left 'held' already: its lease is gone on purpose.
			if (!extended[i] && this.held.remove(message.leaseToken()) != null) {
				logger.warn("Lease of message {} on queue '{}' was lost before consumer '{}' finished it",
						message.id(), message.queue(), getId());
			}
		}
	}

	private void releaseUnstarted(LeasedMessage message) {
		this.held.remove(message.leaseToken());
		try {
			driver().release(message);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not return message {} to queue '{}'; it comes back when its lease expires",
					message.id(), message.queue(), ex);
		}
	}

	/**
	 * The threads and buffer of one start/stop cycle. Its workers look at its own
	 * {@link #active} flag, never the container's: once stopped, a run never fetches again,
	 * even when the container was started again meanwhile (a handler that outlived the stop
	 * then ends its worker).
	 */
	private final class Run {

		final BlockingQueue<LeasedMessage> buffer;

		final Semaphore freeSlots;

		/**
		 * Held by the workers that are fetching, whichever ran dry: up to {@value #MAX_FETCHES} at
		 * a time while the queue has a backlog (see {@link #delivering}), so that one fetch's round
		 * trip overlaps the next (each takes what buffer room is free when it starts); otherwise
		 * one, so that an idle consumer waits in a single fetch.
		 */
		final Semaphore fetching;

		final int fetchPermits;

		volatile boolean active = true;

		/**
		 * Whether the last fetch got all it asked for, so the queue likely has a backlog: only
		 * then may a second fetch start while one is on its way. A queue that delivers a message
		 * now and then (a fetch gets fewer than it asked for) keeps one fetch waiting, so a new
		 * message does not wake two fetches of which one comes back empty (on Redis at 1,000
		 * msg/s the p50 latency was 15-140 µs lower in four A/B pairs, docs/benchmarks.md).
		 */
		volatile boolean delivering;

		final List<Worker> workers = new ArrayList<>();

		volatile long backoff = INITIAL_BACKOFF_MILLIS;

		@Nullable ScheduledFuture<?> heartbeat;

		Run() {
			int prefetch = FilaListenerContainer.this.settings.prefetch();
			this.buffer = new ArrayBlockingQueue<>(prefetch);
			this.freeSlots = new Semaphore(prefetch);
			this.fetchPermits = Math.min(MAX_FETCHES, FilaListenerContainer.this.settings.concurrency());
			this.fetching = new Semaphore(this.fetchPermits);
			for (int i = 1; i <= FilaListenerContainer.this.settings.concurrency(); i++) {
				this.workers.add(new Worker("fila-" + getId() + "-" + i, this::workLoop));
			}
		}

		void start() {
			Duration period = FilaListenerContainer.this.binding.definition().visibilityTimeout().dividedBy(3);
			this.heartbeat = FilaListenerContainer.this.heartbeats.schedule(getId(),
					FilaListenerContainer.this::heartbeat, period);
			for (Worker worker : this.workers) {
				worker.start(FilaListenerContainer.this.workerExecutor);
			}
		}

		/**
		 * Runs {@link #step()} until it says to stop. Nothing a step throws ends the worker: it
		 * is logged and the worker goes on after a pause, so a consumer never keeps reporting
		 * itself running with fewer workers than it has.
		 */
		private void workLoop() {
			withContext(() -> {
				HeldAck held = new HeldAck();
				try {
					workLoop(held);
				}
				finally {
					held.send();
				}
			});
		}

		private void workLoop(HeldAck held) {
			while (true) {
				try {
					if (!step(held)) {
						return;
					}
				}
				catch (Throwable ex) {
					held.send();
					logger.error("Worker of consumer '{}' on queue '{}' failed; it goes on in {} ms", getId(),
							FilaListenerContainer.this.binding.name(), this.backoff, ex);
					if (!pause()) {
						return;
					}
				}
			}
		}

		/**
		 * Takes a buffered message if there is one; a worker that finds the buffer empty
		 * fetches from the driver itself (see {@link #fetching}), keeps the first message and
		 * buffers the rest for the others. No thread hands messages to another in the common
		 * case, and the buffer never holds more than {@code prefetch} messages. The ack the worker
		 * holds goes in its fetch when it fetches, else before anything else.
		 * @return whether the worker goes on
		 */
		private boolean step(HeldAck held) {
			LeasedMessage message = this.buffer.poll();
			if (message != null) {
				held.send();
				this.freeSlots.release();
			}
			else {
				if (!this.active) {
					held.send();
					return false;
				}
				if (tryStartFetch()) {
					try {
						message = fetchForSelf(held.take());
					}
					finally {
						this.fetching.release();
					}
				}
				else {
					held.send();
					try {
						message = this.buffer.poll(WORKER_POLL_MILLIS, TimeUnit.MILLISECONDS);
					}
					catch (InterruptedException ex) {
						return false;
					}
					if (message != null) {
						this.freeSlots.release();
					}
				}
				if (message == null) {
					return !Thread.currentThread().isInterrupted();
				}
			}
			if (!this.active) {
				releaseUnstarted(message);
				return true;
			}
			process(message, held);
			return true;
		}

		private void process(LeasedMessage message, HeldAck held) {
			FilaListenerContainer.this.busyWorkers.incrementAndGet();
			FilaListenerContainer.this.running.put(Thread.currentThread(), message);
			try {
				handle(message, this, held);
			}
			finally {
				FilaListenerContainer.this.running.remove(Thread.currentThread());
				FilaListenerContainer.this.held.remove(message.leaseToken());
				FilaListenerContainer.this.busyWorkers.decrementAndGet();
				// Only a stop interrupts workers, after it made the run inactive: an interrupt the
				// handler left behind (restoring one it caught) would end the worker at its next fetch.
				if (Thread.interrupted() && !this.active) {
					Thread.currentThread().interrupt();
				}
			}
		}

		private boolean tryStartFetch() {
			if (!this.delivering && this.fetching.availablePermits() < this.fetchPermits) {
				return false;
			}
			return this.fetching.tryAcquire();
		}

		/**
		 * Fetches one message for the calling worker plus as many as the buffer has room for.
		 * @param ownAck the ack of the message the worker handled last, or {@code null}
		 * @return the worker's message, or {@code null} when none came (or the fetch failed)
		 */
		private @Nullable LeasedMessage fetchForSelf(@Nullable LeasedMessage ownAck) {
			int drained = this.freeSlots.drainPermits();
			// Acks waiting for a batch go with the fetch: the slots they hold are filled by it.
			AckBatcher.Carried acks = FilaListenerContainer.this.acks.takeWaiting(this.freeSlots, ownAck);
			int slots = drained + acks.slots();
			List<LeasedMessage> fetched;
			try {
				fetched = driver().ackAndFetch(acks.messages(), acks::settled, FilaListenerContainer.this.binding.name(),
						1 + slots, FETCH_WAIT);
				this.backoff = INITIAL_BACKOFF_MILLIS;
			}
			catch (InterruptedException ex) {
				acks.failed(ex);
				this.freeSlots.release(slots);
				Thread.currentThread().interrupt();
				return null;
			}
			catch (RuntimeException | Error ex) {
				acks.failed(ex);
				this.freeSlots.release(slots);
				logger.warn("Consumer '{}' could not fetch from queue '{}', retrying in {} ms: {}", getId(),
						FilaListenerContainer.this.binding.name(), this.backoff, ex.toString());
				pause();
				return null;
			}
			if (acks.untold()) {
				// Only when the driver returned without telling, which it must not: their threads go on.
				acks.failed(new IllegalStateException("The driver reported no outcome of the acks"));
			}
			if (!this.active) {
				this.freeSlots.release(slots);
				fetched.forEach(FilaListenerContainer.this::releaseUnstarted);
				return null;
			}
			this.delivering = fetched.size() == 1 + slots;
			if (fetched.isEmpty()) {
				this.freeSlots.release(slots);
				return null;
			}
			for (LeasedMessage message : fetched) {
				FilaListenerContainer.this.held.put(message.leaseToken(), message);
			}
			int buffered = fetched.size() - 1;
			this.freeSlots.release(slots - buffered);
			for (int i = 1; i < fetched.size(); i++) {
				this.buffer.add(fetched.get(i));
			}
			return fetched.get(0);
		}

		/**
		 * The ack of the message a worker handled last, when its handler returned without settling
		 * it: the worker's next fetch carries it, so a quiet queue costs one call per message (ack
		 * and fetch) instead of two; when the worker takes a buffered message instead, waits for
		 * another worker's fetch, stops or fails, it is sent at once as any ack
		 * ({@link AckBatcher#ack(LeasedMessage, Semaphore)}). Only its worker's thread uses it.
		 */
		final class HeldAck {

			private @Nullable LeasedMessage message;

			void hold(LeasedMessage message) {
				send();
				this.message = message;
			}

			/** @return the held ack, no longer held, or {@code null} */
			@Nullable LeasedMessage take() {
				LeasedMessage taken = this.message;
				this.message = null;
				return taken;
			}

			void send() {
				LeasedMessage taken = take();
				if (taken != null) {
					FilaListenerContainer.this.acks.ack(taken, Run.this.freeSlots);
				}
			}

		}

		List<LeasedMessage> stop() {
			this.active = false;
			// Wake a waiting fetch rather than interrupt it: an interrupted call to a remote
			// driver could lease messages whose reply is then lost.
			driver().wakeUp(FilaListenerContainer.this.binding.name());
			// Saturating: a timeout of centuries means "wait", not an overflow that skips the cleanup below.
			long deadline = System.nanoTime()
					+ TimeUnit.NANOSECONDS.convert(FilaListenerContainer.this.settings.shutdownTimeout());
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
			for (Worker worker : this.workers) {
				worker.join(deadline);
			}
			List<LeasedMessage> unfinished = new ArrayList<>();
			for (Worker worker : this.workers) {
				Thread thread = worker.thread();
				LeasedMessage message = (thread != null) ? FilaListenerContainer.this.running.get(thread) : null;
				if (worker.isAlive() && message != null) {
					unfinished.add(message);
					// Stop heartbeating: the handler is told to stop, and if it does not its
					// lease expires and the message is delivered again.
					FilaListenerContainer.this.held.remove(message.leaseToken());
					worker.interrupt();
				}
			}
			long grace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INTERRUPT_GRACE_MILLIS);
			for (Worker worker : this.workers) {
				worker.join(grace);
			}
			// Finished work must not come back: acks still waiting for a batch go now.
			FilaListenerContainer.this.acks.flush();
			if (this.heartbeat != null) {
				this.heartbeat.cancel(false);
			}
			return unfinished;
		}

		/**
		 * Waits the current back-off and doubles it (up to {@value #MAX_BACKOFF_MILLIS} ms).
		 * @return {@code false} when interrupted (the worker then ends)
		 */
		private boolean pause() {
			long millis = this.backoff;
			this.backoff = Math.min(millis * 2, MAX_BACKOFF_MILLIS);
			try {
				Thread.sleep(millis);
				return true;
			}
			catch (InterruptedException ex) {
				// Keep the interrupt: the worker loop sees it and exits.
				Thread.currentThread().interrupt();
				return false;
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

	/**
	 * Settles one delivery exactly once, whether the handler or the container does it. A
	 * settlement the backend refuses (it is unreachable, or a failure policy throws) is logged
	 * and leaves the message leased: with no heartbeat any more, it is delivered again when its
	 * lease expires.
	 */
	private final class Settlement implements Acknowledgement {

		private final LeasedMessage message;

		private final Run run;

		private final AtomicBoolean settled = new AtomicBoolean();

		Settlement(LeasedMessage message, Run run) {
			this.message = message;
			this.run = run;
		}

		boolean isSettled() {
			return this.settled.get();
		}

		@Override
		public void ack() {
			markSettled();
			if (!driver().isRemote()) {
				ackNow();
				return;
			}
			// The ack may wait for a batch holding a free buffer slot instead of the worker.
			FilaListenerContainer.this.acks.ack(this.message, this.run.freeSlots);
		}

		/**
		 * The handler returned: the worker holds the ack for its next step, which sends it in its
		 * fetch when it fetches next, or at once (see {@link Run.HeldAck}).
		 */
		void ackWithNextFetch(Run.HeldAck held) {
			if (!driver().isRemote()) {
				ack();
				return;
			}
			markSettled();
			held.hold(this.message);
		}

		/** Acks on this thread, for an in-process driver whose ack costs less than a hand-off. */
		private void ackNow() {
			try {
				if (driver().ack(this.message)) {
					FilaListenerContainer.this.consumerRecorder.acked(this.message);
				}
				else {
					leaseLost(this.message, "ack");
				}
			}
			catch (RuntimeException ex) {
				unsettled("ack", ex);
			}
		}

		@Override
		public void nack(String error) {
			fail(error);
		}

		void fail(String error) {
			settle(null, error);
		}

		/** Settles a failure with the given decision, or the failure policy's when it is {@code null}. */
		void settle(@Nullable FailureDecision given, String error) {
			markSettled();
			QueueBinding binding = FilaListenerContainer.this.binding;
			try {
				FailureDecision applied = (given != null) ? binding.settle(this.message, given, error)
						: binding.fail(this.message, error);
				if (applied != null) {
					boolean deadLettered = applied instanceof FailureDecision.DeadLetter;
					FilaListenerContainer.this.consumerRecorder.nacked(this.message, deadLettered);
					if (deadLettered) {
						FilaListenerContainer.this.failureLog.deadLettered(this.message, error);
					}
				}
				else {
					leaseLost(this.message, "nack");
				}
			}
			catch (RuntimeException ex) {
				unsettled("nack", ex);
			}
		}

		void release() {
			markSettled();
			try {
				driver().release(this.message);
			}
			catch (RuntimeException ex) {
				unsettled("release", ex);
			}
		}

		private void unsettled(String operation, Throwable ex) {
			logger.warn("Consumer '{}' could not {} message {} on queue '{}'; it will be delivered again when its "
					+ "lease expires", getId(), operation, this.message.id(), this.message.queue(), ex);
		}

		private void markSettled() {
			if (!this.settled.compareAndSet(false, true)) {
				throw new IllegalStateException("Message " + this.message.id() + " was already acknowledged");
			}
			// No heartbeat for a settled message: its lease ends with the ack or nack.
			FilaListenerContainer.this.held.remove(this.message.leaseToken());
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
