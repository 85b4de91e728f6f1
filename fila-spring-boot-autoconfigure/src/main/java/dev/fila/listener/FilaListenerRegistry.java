package dev.fila.listener;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Holds every consumer, whether a {@code @FilaListener} method or a Lua handler, and takes
 * part in the application lifecycle: consumers with auto-startup start with the context and
 * all of them stop gracefully, in parallel, when it closes.
 */
public class FilaListenerRegistry implements SmartLifecycle {

	/** Stops before the web server's graceful shutdown and before drivers are closed. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

	private final Map<String, FilaListenerContainer> containers = new ConcurrentHashMap<>();

	private volatile boolean running;

	/**
	 * @param container a consumer to manage
	 * @throws IllegalStateException when another consumer has the same id
	 */
	public void register(FilaListenerContainer container) {
		FilaListenerContainer existing = this.containers.putIfAbsent(container.getId(), container);
		if (existing != null) {
			throw new IllegalStateException("Two Fila consumers have the id '" + container.getId() + "': "
					+ existing.getHandler().describe() + " and " + container.getHandler().describe()
					+ "; give one of them another id");
		}
		if (this.running && container.getSettings().autoStartup()) {
			container.start();
		}
	}

	/**
	 * Starts a consumer.
	 * @param id the consumer id
	 */
	public void start(String id) {
		container(id).start();
	}

	/**
	 * Stops a consumer gracefully; blocks until it stopped (at most its shutdown timeout).
	 * @param id the consumer id
	 */
	public void stop(String id) {
		container(id).stop();
	}

	/**
	 * @param id the consumer id
	 * @return whether the consumer is running
	 */
	public boolean isRunning(String id) {
		return container(id).isRunning();
	}

	/**
	 * @param id a consumer id
	 * @return the consumer, or {@code null}
	 */
	public @Nullable FilaListenerContainer getContainer(String id) {
		return this.containers.get(id);
	}

	/** @return every consumer */
	public Collection<FilaListenerContainer> getContainers() {
		return List.copyOf(this.containers.values());
	}

	/** @return the ids of every consumer */
	public Set<String> getIds() {
		return Set.copyOf(this.containers.keySet());
	}

	private FilaListenerContainer container(String id) {
		FilaListenerContainer container = this.containers.get(id);
		if (container == null) {
			throw new IllegalArgumentException("No Fila consumer with id '" + id + "'; known: " + this.containers.keySet());
		}
		return container;
	}

	@Override
	public void start() {
		for (FilaListenerContainer container : this.containers.values()) {
			if (container.getSettings().autoStartup()) {
				container.start();
			}
		}
		this.running = true;
	}

	@Override
	public void stop() {
		stop(() -> {
		});
	}

	@Override
	public void stop(Runnable callback) {
		this.running = false;
		List<FilaListenerContainer> toStop = new ArrayList<>(this.containers.values());
		if (toStop.isEmpty()) {
			callback.run();
			return;
		}
		CountDownLatch stopped = new CountDownLatch(toStop.size());
		for (FilaListenerContainer container : toStop) {
			Thread stopper = new Thread(() -> {
				try {
					container.stop();
				}
				finally {
					stopped.countDown();
				}
			}, "fila-stop-" + container.getId());
			stopper.start();
		}
		try {
			stopped.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		callback.run();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
