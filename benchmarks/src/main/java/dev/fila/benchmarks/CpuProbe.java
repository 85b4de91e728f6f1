package dev.fila.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the CPU goes during a round: CPU time of the persistent threads grouped by role
 * (Fila fetcher, Fila workers, baseline workers), the producer's own CPU time (measured by
 * the producer thread), and the rest of the process (GC, JIT and other JVM threads), plus
 * the time the collectors report.
 */
final class CpuProbe {

	/** CPU nanoseconds by group and GC milliseconds over one round. */
	record Usage(Map<String, Long> cpuNanos, long gcMillis, int gcCount, long contextSwitches, long allocatedBytes) {
	}

	static final String FETCHER = "fetcher";

	static final String WORKERS = "workers";

	static final String PRODUCER = "producer";

	static final String JVM = "jvm";

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static final String ALLOCATED = "allocated";

	private static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	private final Map<String, Long> startByGroup;

	private final long startProcess;

	private final long startGcMillis;

	private final long startGcCount;

	private final long startContextSwitches;

	private CpuProbe() {
		this.startByGroup = byGroup();
		this.startProcess = OS.getProcessCpuTime();
		this.startGcMillis = gcMillis();
		this.startGcCount = gcCount();
		this.startContextSwitches = contextSwitches();
	}

	static CpuProbe start() {
		return new CpuProbe();
	}

	/**
	 * @param producerCpuNanos CPU time the producer thread reported for itself
	 * @return the usage since {@link #start()}
	 */
	Usage stop(long producerCpuNanos, long producerContextSwitches, long producerAllocatedBytes) {
		Map<String, Long> end = byGroup();
		long process = OS.getProcessCpuTime() - this.startProcess;
		Map<String, Long> usage = new HashMap<>();
		long accounted = producerCpuNanos;
		for (String group : new String[] { FETCHER, WORKERS }) {
			long used = end.getOrDefault(group, 0L) - this.startByGroup.getOrDefault(group, 0L);
			usage.put(group, used);
			accounted += used;
		}
		usage.put(PRODUCER, producerCpuNanos);
		usage.put(JVM, Math.max(0, process - accounted));
		long switches = (this.startContextSwitches < 0) ? -1
				: contextSwitches() - this.startContextSwitches + Math.max(0, producerContextSwitches);
		long allocated = end.getOrDefault(ALLOCATED, 0L) - this.startByGroup.getOrDefault(ALLOCATED, 0L)
				+ Math.max(0, producerAllocatedBytes);
		return new Usage(usage, gcMillis() - this.startGcMillis, (int) (gcCount() - this.startGcCount), switches,
				allocated);
	}

	private static Map<String, Long> byGroup() {
		Map<String, Long> groups = new HashMap<>();
		long[] ids = THREADS.getAllThreadIds();
		ThreadInfo[] infos = THREADS.getThreadInfo(ids);
		for (int i = 0; i < ids.length; i++) {
			if (infos[i] == null) {
				continue;
			}
			String group = group(infos[i].getThreadName());
			if (group == null) {
				continue;
			}
			long cpu = THREADS.getThreadCpuTime(ids[i]);
			if (cpu > 0) {
				groups.merge(group, cpu, Long::sum);
			}
			long allocated = allocatedBytes(ids[i]);
			if (allocated > 0) {
				groups.merge(ALLOCATED, allocated, Long::sum);
			}
		}
		return groups;
	}

	private static String group(String threadName) {
		if (threadName.endsWith("-fetcher")) {
			return FETCHER;
		}
		if (threadName.startsWith("fila-") || threadName.startsWith("baseline-worker-")) {
			return WORKERS;
		}
		return null;
	}

	private static long gcMillis() {
		long total = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			total += Math.max(0, gc.getCollectionTime());
		}
		return total;
	}

	private static long gcCount() {
		long total = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			total += Math.max(0, gc.getCollectionCount());
		}
		return total;
	}

	/**
	 * @return voluntary plus involuntary context switches of all live threads of this process
	 * (Linux {@code /proc}); -1 elsewhere. Threads that ended in between are not counted.
	 */
	private static long contextSwitches() {
		java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
		if (tasks == null) {
			return -1;
		}
		long total = 0;
		for (java.io.File task : tasks) {
			total += Math.max(0, contextSwitches(new java.io.File(task, "status")));
		}
		return total;
	}

	/** @return context switches of the calling thread so far, or -1 when unknown */
	static long currentThreadContextSwitches() {
		return contextSwitches(new java.io.File("/proc/thread-self/status"));
	}

	private static long contextSwitches(java.io.File status) {
		long total = 0;
		try {
			for (String line : java.nio.file.Files.readAllLines(status.toPath())) {
				if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
					total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
				}
			}
			return total;
		}
		catch (java.io.IOException | RuntimeException ex) {
			return -1; // not Linux, or the thread ended while we looked
		}
	}

	private static long allocatedBytes(long threadId) {
		if (THREADS instanceof com.sun.management.ThreadMXBean sun) {
			return sun.getThreadAllocatedBytes(threadId);
		}
		return -1;
	}

	/** @return bytes the calling thread allocated so far, or -1 when unknown */
	static long currentThreadAllocatedBytes() {
		return allocatedBytes(Thread.currentThread().getId());
	}

	static long currentThreadCpuNanos() {
		return THREADS.getCurrentThreadCpuTime();
	}

}
