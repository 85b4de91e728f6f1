package dev.fila.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

import dev.fila.annotation.FilaListener;
import dev.fila.core.FilaTemplate;

/**
 * Pattern 1, producer/consumer: orders are enqueued with {@link FilaTemplate} as JSON and
 * consumed by a {@code @FilaListener} method with two workers.
 */
@Component
public class ProducerConsumer {

	/** The queue, declared in application.yml. */
	public static final String QUEUE = "orders";

	private static final List<String> CUSTOMERS = List.of("acme", "globex", "initech");

	private final FilaTemplate fila;

	private final AtomicInteger processed = new AtomicInteger();

	private final AtomicLong items = new AtomicLong();

	private final Map<String, Integer> ordersByCustomer = new ConcurrentHashMap<>();

	private final Set<String> workers = ConcurrentHashMap.newKeySet();

	private volatile CountDownLatch done = new CountDownLatch(0);

	private volatile Result lastResult;

	public ProducerConsumer(FilaTemplate fila) {
		this.fila = fila;
	}

	/**
	 * An order: the payload, written as JSON by {@link FilaTemplate} and read back into this
	 * record for the listener.
	 *
	 * @param id the order id
	 * @param product the product
	 * @param quantity how many
	 */
	public record Order(String id, String product, int quantity) {
	}

	/**
	 * What the demo saw.
	 *
	 * @param enqueued orders enqueued
	 * @param processed orders the listener handled
	 * @param items the total quantity handled
	 * @param ordersByCustomer orders per {@code customer} header
	 * @param workers the worker threads that ran the listener
	 * @param elapsed time from the first enqueue to the last order handled
	 */
	public record Result(int enqueued, int processed, long items, Map<String, Integer> ordersByCustomer,
			Set<String> workers, Duration elapsed) {
	}

	/**
	 * The consumer: the payload is converted from JSON to {@link Order}, the header is
	 * injected by name. Returning normally acks the message; throwing would nack it, and the
	 * queue's retry settings (application.yml) would decide when it comes back.
	 */
	@FilaListener(queue = QUEUE, id = "orders-worker", concurrency = "2")
	void handle(Order order, @Header("customer") String customer) {
		this.items.addAndGet(order.quantity());
		this.ordersByCustomer.merge(customer, 1, Integer::sum);
		this.workers.add(Thread.currentThread().getName());
		this.processed.incrementAndGet();
		this.done.countDown();
	}

	/**
	 * The producer: enqueues {@code count} orders and waits until the listener handled them.
	 * @param count how many orders
	 * @return what happened
	 * @throws InterruptedException when interrupted while waiting
	 */
	public Result run(int count) throws InterruptedException {
		this.done = new CountDownLatch(count);
		long start = System.nanoTime();
		for (int i = 1; i <= count; i++) {
			String customer = CUSTOMERS.get(i % CUSTOMERS.size());
			Order order = new Order("order-" + i, (i % 2 == 0) ? "widget" : "gadget", 1 + i % 5);
			this.fila.enqueue(QUEUE, Map.of("customer", customer), order);
		}
		if (!this.done.await(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("Only " + this.processed.get() + " of " + count
					+ " orders were processed within 10 seconds");
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		this.lastResult = new Result(count, this.processed.get(), this.items.get(),
				new TreeMap<>(this.ordersByCustomer), new TreeSet<>(this.workers), elapsed);
		return this.lastResult;
	}

	/** @return the result of the last {@link #run}, or {@code null} before it finished */
	public Result lastResult() {
		return this.lastResult;
	}

}
