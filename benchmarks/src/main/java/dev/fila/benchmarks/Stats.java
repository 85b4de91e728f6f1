package dev.fila.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/** Small statistics and formatting helpers. */
final class Stats {

	private Stats() {
	}

	static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	static double min(double[] values) {
		return Arrays.stream(values).min().orElse(Double.NaN);
	}

	static double max(double[] values) {
		return Arrays.stream(values).max().orElse(Double.NaN);
	}

	/**
	 * @param sorted sorted samples
	 * @param quantile 0..1
	 * @return the nearest-rank percentile
	 */
	static long percentile(long[] sorted, double quantile) {
		if (sorted.length == 0) {
			return -1;
		}
		int rank = (int) Math.ceil(quantile * sorted.length);
		return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
	}

	static String rate(double perSecond) {
		return String.format(Locale.ROOT, "%,.0f", perSecond);
	}

	static String micros(long nanos) {
		return String.format(Locale.ROOT, "%,.1f", nanos / 1_000.0);
	}

	static String fixed(double value, int decimals) {
		return String.format(Locale.ROOT, "%." + decimals + "f", value);
	}

}
