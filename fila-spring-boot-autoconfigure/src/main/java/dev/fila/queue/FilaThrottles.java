package dev.fila.queue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.config.Setting;
import dev.fila.config.SharedSettings;
import dev.fila.driver.FilaDriver;
import dev.fila.driver.FilaDrivers;

/**
 * The throttles of the application: their rate and burst are settings in the {@code throttle}
 * namespace (shared by every instance and kept across restarts where the settings store
 * allows), applied to every driver's token buckets, here and, through the settings watcher, on
 * every other instance.
 */
public class FilaThrottles {

	private static final Logger logger = LoggerFactory.getLogger(FilaThrottles.class);

	/** The namespace of throttles in the settings store. */
	public static final String NAMESPACE = "throttle";

	private final FilaDrivers drivers;

	private final SharedSettings settings;

	/**
	 * @param drivers the drivers whose buckets follow the settings
	 * @param settings the {@value #NAMESPACE} namespace
	 */
	public FilaThrottles(FilaDrivers drivers, SharedSettings settings) {
		this.drivers = drivers;
		this.settings = settings;
		settings.addListener(this::changed);
	}

	/**
	 * Applies the configured throttles by the settings rule (a run-time change survives a
	 * restart with unchanged configuration), then sets every stored throttle on every driver.
	 * @param configured the configured throttles by key
	 */
	public void seed(Map<String, Throttle> configured) {
		Map<String, String> values = new LinkedHashMap<>();
		configured.forEach((key, throttle) -> values.put(key, throttle.encode()));
		this.settings.seed(values, "fila.throttles");
		this.settings.all().forEach(this::changed);
	}

	/**
	 * Creates or changes a throttle on every driver and every instance.
	 * @param key the throttle key
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 */
	public void set(String key, double rate, long burst) {
		Throttle throttle = new Throttle(rate, burst);
		this.settings.setAtRuntime(key, throttle.encode());
	}

	/** @return the {@value #NAMESPACE} namespace, for the settings watcher */
	public SharedSettings settings() {
		return this.settings;
	}

	/** @return the throttles by key, sorted */
	public Map<String, Throttle> all() {
		Map<String, Throttle> throttles = new TreeMap<>();
		this.settings.all().forEach((key, setting) -> {
			Throttle throttle = Throttle.decode(setting.value());
			if (throttle != null) {
				throttles.put(key, throttle);
			}
		});
		return throttles;
	}

	private void changed(String key, @Nullable Setting setting) {
		if (setting == null) {
			// No driver removes a bucket: it keeps its last rate in this instance until restart.
			return;
		}
		Throttle throttle = Throttle.decode(setting.value());
		if (throttle == null) {
			logger.warn("Ignoring throttle '{}': stored value '{}' is not a rate/burst pair", key, setting.value());
			return;
		}
		for (FilaDriver driver : this.drivers.all()) {
			driver.setThrottle(key, throttle.rate(), throttle.burst());
		}
	}

	/**
	 * A token bucket's settings.
	 *
	 * @param rate permits per second, positive
	 * @param burst bucket size, at least 1
	 */
	public record Throttle(double rate, long burst) {

		public Throttle {
			if (!(rate > 0) || Double.isInfinite(rate) || burst < 1) {
				throw new IllegalArgumentException(
						"A throttle needs a finite rate > 0 and burst >= 1, was rate=" + rate + ", burst=" + burst);
			}
		}

		String encode() {
			return this.rate + "/" + this.burst;
		}

		static @Nullable Throttle decode(String value) {
			int slash = value.indexOf('/');
			if (slash < 0) {
				return null;
			}
			try {
				return new Throttle(Double.parseDouble(value.substring(0, slash)),
						Long.parseLong(value.substring(slash + 1)));
			}
			catch (IllegalArgumentException ex) {
				return null;
			}
		}

	}

}
