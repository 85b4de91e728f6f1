package dev.fila.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerRegistry;

/**
 * The health of one Fila driver: {@code UP} when it answers its ping, {@code DOWN} with the
 * reason in {@code error} when it does not. Details give the driver's type and the consumers
 * that read from it (queue, running, busy workers, buffered messages). A stopped consumer
 * does not make the driver unhealthy: it may have been stopped on purpose.
 * <p>
 * The ping runs on the given {@link Executor} and is waited for at most {@code pingTimeout},
 * so that a backend that accepts connections but never answers cannot hang a health request.
 * A ping that is still running when the next check comes is waited for again instead of
 * being started a second time: one driver never has more than one ping in flight.
 * <p>
 * {@link #composite} puts one indicator per driver into one contributor, as Spring Boot
 * composes one indicator per {@code RabbitTemplate} or {@code RedisConnectionFactory}.
 */
public class FilaDriverHealthIndicator implements HealthIndicator {

	/** Longest a driver's ping may take, by default, before the driver counts as unreachable. */
	public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(5);

	private final FilaDriver driver;

	private final @Nullable FilaListenerRegistry listenerRegistry;

	private final Executor pingExecutor;

	private final Duration pingTimeout;

	private final AtomicReference<@Nullable CompletableFuture<Void>> inFlight = new AtomicReference<>();

	/**
	 * @param driver the driver to ping
	 * @param listenerRegistry the consumers to describe (those of this driver), {@code null}
	 * for none
	 * @param pingExecutor runs the pings
	 * @param pingTimeout longest a ping may take
	 */
	public FilaDriverHealthIndicator(FilaDriver driver, @Nullable FilaListenerRegistry listenerRegistry,
			Executor pingExecutor, Duration pingTimeout) {
		this.driver = driver;
		this.listenerRegistry = listenerRegistry;
		this.pingExecutor = pingExecutor;
		this.pingTimeout = pingTimeout;
	}

	/**
	 * One contributor with a {@link FilaDriverHealthIndicator} per driver, named after the
	 * driver, in the drivers' order; its status is the aggregate of theirs.
	 * @param drivers the drivers
	 * @param listenerRegistry the consumers to describe, {@code null} for none
	 * @param pingExecutor runs the pings
	 * @param pingTimeout longest a ping may take
	 * @return the composite contributor
	 */
	public static CompositeHealthContributor composite(FilaDrivers drivers,
			@Nullable FilaListenerRegistry listenerRegistry, Executor pingExecutor, Duration pingTimeout) {
		return composite(drivers, listenerRegistry, pingExecutor, pingTimeout, Map.of());
	}

	/**
	 * One contributor with a {@link FilaDriverHealthIndicator} per driver, named after the
	 * driver, then the given other components (such as {@code lua}).
	 * @param drivers the drivers
	 * @param listenerRegistry the consumers to describe, {@code null} for none
	 * @param pingExecutor runs the pings
	 * @param pingTimeout longest a ping may take
	 * @param others more components by name
	 * @return the composite contributor
	 */
	public static CompositeHealthContributor composite(FilaDrivers drivers,
			@Nullable FilaListenerRegistry listenerRegistry, Executor pingExecutor, Duration pingTimeout,
			Map<String, HealthIndicator> others) {
		Map<String, HealthIndicator> components = new LinkedHashMap<>();
		for (FilaDriver driver : drivers.all()) {
			components.put(driver.name(),
					new FilaDriverHealthIndicator(driver, listenerRegistry, pingExecutor, pingTimeout));
		}
		others.forEach(components::putIfAbsent);
		return CompositeHealthContributor.fromMap(components);
	}

	@Override
	public Health health() {
		Health.Builder builder = new Health.Builder().withDetail("type", this.driver.type());
		try {
			ping();
			builder.up();
		}
		catch (RuntimeException ex) {
			builder.down().withDetail("error", describe(ex));
		}
		return builder.withDetail("consumers", consumers()).build();
	}

	private void ping() {
		CompletableFuture<Void> ping = currentPing();
		try {
			ping.get(this.pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof RuntimeException runtime) ? runtime : new IllegalStateException(cause);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("no answer to a ping within " + this.pingTimeout.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while pinging");
		}
	}

	/** The ping still in flight, or a new one. */
	private CompletableFuture<Void> currentPing() {
		while (true) {
			CompletableFuture<Void> current = this.inFlight.get();
			if (current != null && !current.isDone()) {
				return current;
			}
			CompletableFuture<Void> next = new CompletableFuture<>();
			if (this.inFlight.compareAndSet(current, next)) {
				try {
					this.pingExecutor.execute(() -> {
						try {
							this.driver.ping();
							next.complete(null);
						}
						catch (Throwable ex) {
							next.completeExceptionally(ex);
						}
					});
				}
				catch (RuntimeException ex) {
					// Rejected: the next check tries again.
					next.completeExceptionally(ex);
				}
				return next;
			}
		}
	}

	private Map<String, Object> consumers() {
		Map<String, Object> consumers = new LinkedHashMap<>();
		if (this.listenerRegistry == null) {
			return consumers;
		}
		List<FilaListenerContainer> containers = new ArrayList<>(this.listenerRegistry.getContainers());
		containers.sort((a, b) -> a.getId().compareTo(b.getId()));
		for (FilaListenerContainer container : containers) {
			if (!this.driver.name().equals(container.getDriverName())) {
				continue;
			}
			Map<String, Object> detail = new LinkedHashMap<>();
			detail.put("queue", container.getQueueName());
			detail.put("running", container.isRunning());
			detail.put("busyWorkers", container.getBusyWorkers());
			detail.put("concurrency", container.getSettings().concurrency());
			detail.put("buffered", container.getBuffered());
			detail.put("prefetch", container.getSettings().prefetch());
			consumers.put(container.getId(), detail);
		}
		return consumers;
	}

	/** The distinct messages of the cause chain, outermost first: what failed, then why. */
	static String describe(Throwable ex) {
		List<String> messages = new ArrayList<>();
		for (Throwable current = ex; current != null && messages.size() < 10; current = current.getCause()) {
			String message = current.getMessage();
			if (message == null || message.isBlank()) {
				continue;
			}
			messages.removeIf(message::contains);
			if (messages.stream().noneMatch((seen) -> seen.contains(message))) {
				messages.add(message);
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return messages.isEmpty() ? ex.getClass().getName() : String.join("; ", messages);
	}

}
