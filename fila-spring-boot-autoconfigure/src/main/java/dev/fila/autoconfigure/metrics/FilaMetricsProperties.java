package dev.fila.autoconfigure.metrics;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of Fila's Micrometer meters.
 */
@ConfigurationProperties("fila.metrics")
public class FilaMetricsProperties {

	/**
	 * How often the queue gauges (depth, in-flight, fairness keys) and the expired-lease
	 * and throttle counters are read from the drivers, on a background thread.
	 */
	private Duration refreshInterval = Duration.ofSeconds(5);

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

}
