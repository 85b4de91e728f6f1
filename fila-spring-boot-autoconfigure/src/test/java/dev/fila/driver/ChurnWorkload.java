package dev.fila.driver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.core.FilaHeaders;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;
import dev.fila.scheduling.Scheduling;
import tools.jackson.databind.json.JsonMapper;

/**
 * Churn for the memory-bound tests of every driver: many request-replies (each a temporary
 * reply queue) and many distinct fairness keys, each key used once.
 */
public final class ChurnWorkload {

	private ChurnWorkload() {
	}

	/**
	 * Runs request-replies from {@code requester}'s template to a responder consuming
	 * {@code queue} on {@code responder} (another driver instance sharing the same backend, or
	 * the same one), which sends each reply straight through its driver.
	 * @return the replies received
	 */
	public static int requestReplies(FilaDriver requester, FilaDriver responder, String queue, int count,
			int threads) throws Exception {
		FilaTemplate template = template(requester, queue);
		requester.createQueue(new QueueSpec(queue, Duration.ofSeconds(30), 1, false));
		AtomicBoolean running = new AtomicBoolean(true);
		ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
		try {
			List<Future<?>> responders = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				responders.add(pool.submit(() -> respond(responder, queue, running)));
			}
			List<Future<Integer>> requesters = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int share = count / threads + ((t < count % threads) ? 1 : 0);
				requesters.add(pool.submit(() -> {
					int replies = 0;
					for (int i = 0; i < share; i++) {
						String reply = template.request(queue, Map.of(), "ping-" + i, String.class,
								Duration.ofSeconds(20));
						if (reply.equals("pong-ping-" + i)) {
							replies++;
						}
					}
					return replies;
				}));
			}
			int replies = 0;
			for (Future<Integer> future : requesters) {
				replies += future.get(5, TimeUnit.MINUTES);
			}
			running.set(false);
			for (Future<?> future : responders) {
				future.get(30, TimeUnit.SECONDS);
			}
			return replies;
		}
		finally {
			running.set(false);
			pool.shutdownNow();
		}
	}

	/** A template whose only queue is {@code queue}, on {@code driver}. */
	public static FilaTemplate template(FilaDriver driver, String queue) {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of(driver.name(), driver), driver.name()),
				Map.of(queue, new QueueDefinition(queue, null, Duration.ofSeconds(30), 1, false,
						new RetryPolicy(1, Duration.ofMillis(100), 1, Duration.ofMillis(100)), null, null)),
				new DefaultQueuePolicyFactory());
		return new DefaultFilaTemplate(queues, new FilaPayloadConverter(JsonMapper.builder().build()));
	}

	private static Void respond(FilaDriver driver, String queue, AtomicBoolean running) throws InterruptedException {
		while (running.get()) {
			List<LeasedMessage> requests = driver.fetch(queue, 20, Duration.ofMillis(100));
			for (LeasedMessage request : requests) {
				String replyTo = request.headers().get(FilaHeaders.REPLY_TO);
				String payload = "pong-" + new String(request.payload(), StandardCharsets.UTF_8);
				try {
					driver.enqueue(replyTo, List.of(new OutgoingMessage(
							Map.of(FilaHeaders.CORRELATION_ID, request.headers().get(FilaHeaders.CORRELATION_ID)),
							payload.getBytes(StandardCharsets.UTF_8), Scheduling.DEFAULT)));
				}
				catch (RuntimeException ex) {
					// The requester gave up: its reply queue is gone.
				}
			}
			if (!requests.isEmpty()) {
				driver.ackAll(requests);
			}
		}
		return null;
	}

	/**
	 * Enqueues one message for each of {@code keys} distinct fairness keys, then fetches and
	 * acks them all, and fetches once more.
	 * @return how many were acked
	 */
	public static int distinctKeys(FilaDriver driver, String queue, String keyPrefix, int keys)
			throws InterruptedException {
		byte[] payload = "x".getBytes(StandardCharsets.UTF_8);
		for (int first = 0; first < keys; first += 500) {
			List<OutgoingMessage> batch = new ArrayList<>();
			for (int i = first; i < Math.min(keys, first + 500); i++) {
				batch.add(new OutgoingMessage(Map.of(), payload, new Scheduling(keyPrefix + i, 1, List.of())));
			}
			driver.enqueue(queue, batch);
		}
		int acked = 0;
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
		while (acked < keys && System.nanoTime() < deadline) {
			List<LeasedMessage> fetched = driver.fetch(queue, 200, Duration.ofMillis(500));
			if (!fetched.isEmpty()) {
				for (boolean ok : driver.ackAll(fetched)) {
					acked += ok ? 1 : 0;
				}
			}
		}
		// A consumer goes on fetching: a key that ran dry leaves the schedule when its turn comes
		// round again (on Redis, the fetch script's next pass over the ring).
		driver.fetch(queue, 200, Duration.ofMillis(100));
		return acked;
	}

}
