package dev.fila.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerRegistry;

/**
 * Fila's health: {@code UP} when every driver answers its ping, {@code DOWN} with the reason
 * when one does not. Details list each driver (type, status, error) and each consumer
 * (queue, running, busy workers, buffered messages). A stopped consumer does not make the
 * application unhealthy: it may have been stopped on purpose.
 */
public class FilaHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

	/** Longest a driver's ping may take before the driver counts as unreachable. */
	static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Runs pings, so that a backend that accepts connections but never answers cannot hang a
	 * health request. Its threads end a minute after the last ping, and all of them when the
	 * indicator is closed.
	 */
	private final ExecutorService pings = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "fila-health-ping");
		thread.setDaemon(true);
		return thread;
	});

	private final FilaDrivers drivers;

	private final Duration pingTimeout;

	private final @Nullable FilaListenerRegistry listenerRegistry;

	/**
	 * @param drivers the drivers to ping
	 * @param listenerRegistry the consumers to describe, {@code null} for none
	 */
	public FilaHealthIndicator(FilaDrivers drivers, @Nullable FilaListenerRegistry listenerRegistry) {
		this(drivers, listenerRegistry, PING_TIMEOUT);
	}

	/**
	 * @param drivers the drivers to ping
	 * @param listenerRegistry the consumers to describe, {@code null} for none
	 * @param pingTimeout longest a driver's ping may take
	 */
	public FilaHealthIndicator(FilaDrivers drivers, @Nullable FilaListenerRegistry listenerRegistry,
			Duration pingTimeout) {
		super("Fila health check failed");
		this.drivers = drivers;
		this.listenerRegistry = listenerRegistry;
		this.pingTimeout = pingTimeout;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, Object> driverDetails = new LinkedHashMap<>();
		List<String> failures = new ArrayList<>();
		for (FilaDriver driver : this.drivers.all()) {
			Map<String, Object> detail = new LinkedHashMap<>();
			detail.put("type", driver.type());
			try {
				ping(driver);
				detail.put("status", Status.UP.getCode());
			}
			catch (RuntimeException ex) {
				String reason = describe(ex);
				detail.put("status", Status.DOWN.getCode());
				detail.put("error", reason);
				failures.add("driver '" + driver.name() + "' (" + driver.type() + ") is unreachable: " + reason);
			}
			driverDetails.put(driver.name(), detail);
		}
		if (failures.isEmpty()) {
			builder.up();
		}
		else {
			builder.down().withDetail("error", String.join("; ", failures));
		}
		builder.withDetail("drivers", driverDetails).withDetail("consumers", consumers());
	}

	private void ping(FilaDriver driver) {
		Future<?> ping = this.pings.submit(driver::ping);
		try {
			ping.get(this.pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException(ex.getCause());
		}
		catch (TimeoutException ex) {
			ping.cancel(true);
			throw new IllegalStateException("no answer to a ping within " + this.pingTimeout.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while pinging");
		}
	}

	/** Stops the ping threads (the indicator's bean is destroyed with the context). */
	@Override
	public void close() {
		this.pings.shutdownNow();
	}

	private Map<String, Object> consumers() {
		Map<String, Object> consumers = new LinkedHashMap<>();
		if (this.listenerRegistry == null) {
			return consumers;
		}
		List<FilaListenerContainer> containers = new ArrayList<>(this.listenerRegistry.getContainers());
		containers.sort((a, b) -> a.getId().compareTo(b.getId()));
		for (FilaListenerContainer container : containers) {
			Map<String, Object> detail = new LinkedHashMap<>();
			detail.put("queue", container.getQueueName());
			detail.put("driver", container.getDriverName());
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
