package dev.fila.config;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link SharedSettings} of one store current: polls the store's
 * {@link SettingsStore#version()} (one small read per interval) and reloads every namespace
 * when it changed. Polling, not notifications: nothing is missed across reconnects or
 * failovers, and a change reaches every instance within one interval.
 */
public final class SettingsWatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(SettingsWatcher.class);

	/** The default poll interval: a run-time change is seen everywhere within it. */
	public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);

	private final SettingsStore store;

	private final long intervalNanos;

	private final List<SharedSettings> watched = new CopyOnWriteArrayList<>();

	private final Thread thread;

	private volatile boolean running = true;

	private long lastVersion = Long.MIN_VALUE;

	private boolean failing;

	/**
	 * @param store the store
	 * @param interval how often its version is read
	 */
	public SettingsWatcher(SettingsStore store, Duration interval) {
		this.store = store;
		this.intervalNanos = interval.toNanos();
		this.thread = new Thread(this::run, "fila-settings-watcher");
		this.thread.setDaemon(true);
	}

	/**
	 * @param settings settings to reload when the store changes
	 */
	public void watch(SharedSettings settings) {
		this.watched.add(settings);
	}

	/** Starts polling. */
	public void start() {
		this.thread.start();
	}

	/** Reads the version once and reloads every watched namespace when it changed. */
	void poll() {
		try {
			long version = this.store.version();
			if (version != this.lastVersion) {
				for (SharedSettings settings : this.watched) {
					settings.reload();
				}
				this.lastVersion = version;
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Reading Fila settings from {} works again", this.store.describe());
			}
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("Could not read Fila settings from {}; this instance keeps the values it has until it can",
						this.store.describe(), ex);
			}
		}
	}

	private void run() {
		while (this.running) {
			poll();
			try {
				TimeUnit.NANOSECONDS.sleep(this.intervalNanos);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	@Override
	public void close() {
		this.running = false;
		this.thread.interrupt();
	}

}
