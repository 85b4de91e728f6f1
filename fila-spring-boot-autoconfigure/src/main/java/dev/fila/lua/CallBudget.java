package dev.fila.lua;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.jspecify.annotations.Nullable;
import org.luaj.vm2.LuaError;

/**
 * What the current Lua call may still spend: time and memory. The instruction hook charges
 * one unit of work per instruction; library functions that loop or allocate in Java (pattern
 * matching, {@code string.rep}, {@code table.concat}, {@code json}...) charge theirs through
 * {@link #current()}, so a script cannot escape its limits by handing work to Java.
 * <p>
 * Time is the CPU time the thread spent in the call, so a garbage collection pause or a
 * thread descheduled on a busy machine does not stop a healthy hook. The clock is read every
 * {@value #CHECK_EVERY} units of work (most hooks finish before the first check); the
 * thread's CPU clock only once the wall-clock budget is spent. A call stuck off-CPU is still
 * stopped after {@value #WALL_LIMIT_FACTOR} times its budget of wall-clock time.
 * <p>
 * Memory is the bytes the thread allocated during the call (garbage included), read with the
 * time, and before an allocation once {@value #ALLOCATION_CHECK_BYTES} bytes were announced
 * since the last read. The thread's counter is first read at the first check; before it,
 * only announced allocations count (and fewer than {@value #CHECK_EVERY} instructions ran).
 * Once exceeded, a budget keeps throwing until re-armed. One per sandbox, used by one thread
 * at a time.
 */
final class CallBudget {

	static final int CHECK_EVERY = 256;

	/** String bytes a unit of work stands for, when work is charged by size. */
	static final int BYTES_PER_UNIT = 64;

	private static final int WALL_LIMIT_FACTOR = 20;

	private static final long ALLOCATION_CHECK_BYTES = 256 * 1024;

	private static final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private static final boolean cpuTimeSupported = isCpuTimeSupported();

	private static final com.sun.management.@Nullable ThreadMXBean allocations = allocationBean();

	/** The budget of the call running on this thread, if any. */
	private static final ThreadLocal<@Nullable CallBudget> CURRENT = new ThreadLocal<>();

	/** Charged when no call is armed (never in a sandbox): limits nothing. */
	private static final CallBudget UNLIMITED = new CallBudget();

	private @Nullable CallBudget outer;

	private LuaLimits limits = LuaLimits.HOOK;

	private boolean armed;

	private long timeout;

	private long start;

	private long deadline;

	private long cpuStart;

	private long cpuBeforeStart;

	private long untilCheck = CHECK_EVERY;

	private long allocationStart;

	private long announced;

	private long announcedBeforeStart;

	private long unchecked;

	private @Nullable LuaLimitExceeded exceeded;

	/** @return the budget of the call running on this thread; one that limits nothing outside calls */
	static CallBudget current() {
		CallBudget budget = CURRENT.get();
		return (budget != null) ? budget : UNLIMITED;
	}

	/**
	 * Starts a call and makes this the thread's current budget until {@link #disarm()}.
	 * @param timeoutNanos the longest the call may run
	 * @param limits what it may allocate
	 */
	void arm(long timeoutNanos, LuaLimits limits) {
		this.limits = limits;
		this.timeout = timeoutNanos;
		this.start = System.nanoTime();
		this.deadline = this.start + timeoutNanos;
		this.cpuStart = -1;
		this.untilCheck = CHECK_EVERY;
		// Read at the first check, like the CPU clock: most calls never need either.
		this.allocationStart = -1;
		this.announced = 0;
		this.announcedBeforeStart = 0;
		this.unchecked = 0;
		this.exceeded = null;
		// A handler's queue.publish runs the target queue's hook, with its own budget, on this thread.
		this.outer = CURRENT.get();
		CURRENT.set(this);
		this.armed = true;
	}

	void disarm() {
		this.armed = false;
		CURRENT.set(this.outer);
		this.outer = null;
	}

	/** @return the limits of the current call */
	LuaLimits limits() {
		return this.limits;
	}

	/**
	 * Counts work done by the script or for it; checks time and memory every
	 * {@value #CHECK_EVERY} units.
	 * @param units about one instruction's worth each
	 * @throws LuaLimitExceeded when a limit is exceeded (now or earlier in this call)
	 */
	void work(long units) {
		if (this.exceeded != null) {
			throw this.exceeded;
		}
		if (this.armed && (this.untilCheck -= units) <= 0) {
			this.untilCheck = CHECK_EVERY;
			checkTime();
			checkAllocation();
		}
	}

	/**
	 * Announces an allocation the script is about to cause.
	 * @param bytes its size
	 * @throws LuaLimitExceeded when it would exceed the call's memory
	 */
	void allocate(long bytes) {
		if (!this.armed) {
			return;
		}
		this.unchecked += bytes;
		if (this.unchecked >= ALLOCATION_CHECK_BYTES) {
			checkAllocation();
		}
	}

	/**
	 * Announces a string the script is about to build: refuses it when longer than the
	 * limit, else charges its bytes and the work of copying them.
	 * @param length its length in bytes
	 * @throws LuaError when it is longer than {@link LuaLimits#maxStringBytes()}
	 */
	void string(long length) {
		checkLength(length);
		allocate(length);
		work(length / BYTES_PER_UNIT);
	}

	/**
	 * @param length the length of a string about to be built
	 * @throws LuaError when it is longer than {@link LuaLimits#maxStringBytes()}
	 */
	void checkLength(long length) {
		if (this.armed && length > this.limits.maxStringBytes()) {
			throw new LuaError("string too large (" + length + " bytes, limit " + this.limits.maxStringBytes() + ")");
		}
	}

	/**
	 * Reads the memory the call allocated, when something may have allocated a lot at once.
	 * @throws LuaLimitExceeded when the call exceeded its memory
	 */
	void checkAllocation() {
		if (!this.armed) {
			return;
		}
		this.announced += this.unchecked;
		this.unchecked = 0;
		long used = this.announced;
		if (allocations != null && this.allocationStart < 0) {
			this.allocationStart = allocations.getCurrentThreadAllocatedBytes();
			this.announcedBeforeStart = this.announced;
		}
		else if (allocations != null) {
			used = allocations.getCurrentThreadAllocatedBytes() - this.allocationStart + this.announcedBeforeStart;
		}
		if (used > this.limits.maxAllocatedBytes()) {
			trip("script exceeded its memory limit of " + this.limits.maxAllocatedBytes() + " bytes", false);
		}
	}

	/**
	 * Stops the call: this and every later charge in the call throw.
	 * @param message what was exceeded
	 * @param timeout whether it was the time
	 */
	void trip(String message, boolean timeout) {
		this.exceeded = new LuaLimitExceeded(message, timeout);
		throw this.exceeded;
	}

	private void checkTime() {
		long now = System.nanoTime();
		if (this.cpuStart < 0 && cpuTimeSupported) {
			// First check: from here on CPU time is measured; before it, assume the thread ran.
			this.cpuStart = threads.getCurrentThreadCpuTime();
			this.cpuBeforeStart = now - this.start;
		}
		if (now - this.deadline <= 0) {
			return;
		}
		if (!cpuTimeSupported || now - this.start > this.timeout * WALL_LIMIT_FACTOR) {
			trip("script exceeded its time limit", true);
		}
		long used = threads.getCurrentThreadCpuTime() - this.cpuStart + this.cpuBeforeStart;
		if (used >= this.timeout) {
			trip("script exceeded its time limit", true);
		}
		// Descheduled or paused: check again when the rest of the CPU budget could be spent.
		this.deadline = now + (this.timeout - used);
	}

	private static boolean isCpuTimeSupported() {
		try {
			return threads.isCurrentThreadCpuTimeSupported() && threads.getCurrentThreadCpuTime() >= 0;
		}
		catch (UnsupportedOperationException ex) {
			return false;
		}
	}

	private static com.sun.management.@Nullable ThreadMXBean allocationBean() {
		if (threads instanceof com.sun.management.ThreadMXBean bean && bean.isThreadAllocatedMemorySupported()
				&& bean.isThreadAllocatedMemoryEnabled() && bean.getCurrentThreadAllocatedBytes() >= 0) {
			return bean;
		}
		return null;
	}

}
