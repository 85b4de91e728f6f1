package dev.fila.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the sample itself (not of Fila), under {@code sample.*}.
 *
 * @param keepRunning whether the application stays up after the demo instead of exiting
 * @param orders how many orders the producer/consumer demo enqueues
 * @param noisyJobs how many jobs the noisy tenant enqueues in the fan-out demo
 * @param quietJobs how many jobs the quiet tenant enqueues after them
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("false") boolean keepRunning, @DefaultValue("20") int orders,
		@DefaultValue("1000") int noisyJobs, @DefaultValue("10") int quietJobs) {
}
