package dev.fila.queue;

import java.time.Duration;

/**
 * At most {@code perWindow} log lines per fixed window of time, counting those left out so the
 * next line logged can say how many. For failures that can repeat on every message (a broken
 * handler, a failing hook): seen, but not a flood.
 */
public final class LogLimit {

	private final int perWindow;

	private final long windowNanos;

	private long windowStart;

	private boolean started;

	private int logged;

	private long skipped;

	/**
	 * @param perWindow the most lines per window
	 * @param window the window's length
	 */
	public LogLimit(int perWindow, Duration window) {
		this.perWindow = perWindow;
		this.windowNanos = window.toNanos();
	}

	/**
	 * @param nowNanos the current time
	 * @return -1 when this line is to be left out, else how many were left out since the last
	 * line logged
	 */
	public synchronized long admit(long nowNanos) {
		if (!this.started || nowNanos - this.windowStart >= this.windowNanos) {
			this.started = true;
			this.windowStart = nowNanos;
			this.logged = 0;
		}
		if (this.logged >= this.perWindow) {
			this.skipped++;
			return -1;
		}
		this.logged++;
		long left = this.skipped;
		this.skipped = 0;
		return left;
	}

}
