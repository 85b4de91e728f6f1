package dev.fila.benchmarks;

/**
 * One measured round of a throughput benchmark.
 *
 * @param messages messages handled (acked)
 * @param elapsedNanos from the producer's first enqueue to the last handler call
 * @param produceNanos how long the producer took to enqueue them all
 * @param complete whether every message was handled before the round timed out
 * @param usage CPU and GC time spent in the round
 */
record RoundResult(long messages, long elapsedNanos, long produceNanos, boolean complete, CpuProbe.Usage usage) {

	/** @return end-to-end messages per second */
	double rate() {
		return this.messages * 1e9 / this.elapsedNanos;
	}

	/** @return messages per second the producer enqueued at */
	double produceRate() {
		return this.messages * 1e9 / this.produceNanos;
	}

	/**
	 * @param group a {@link CpuProbe} group
	 * @return CPU nanoseconds of that group per handled message
	 */
	double cpuNanosPerMessage(String group) {
		return (double) this.usage.cpuNanos().getOrDefault(group, 0L) / this.messages;
	}

	/** @return bytes allocated by the producer and consumer threads per handled message */
	double allocatedBytesPerMessage() {
		return (double) this.usage.allocatedBytes() / this.messages;
	}

	/** @return context switches per handled message, or -1 when unknown */
	double contextSwitchesPerMessage() {
		return (this.usage.contextSwitches() < 0) ? -1 : (double) this.usage.contextSwitches() / this.messages;
	}

	/** @return share of the round's wall time the collectors reported */
	double gcShare() {
		return this.usage.gcMillis() * 1e6 / this.elapsedNanos;
	}

}
