package dev.fila.benchmarks;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import dev.fila.queue.QueuePolicyFactory;

/**
 * The Spring Boot application the end-to-end benchmarks run in: Fila's real
 * auto-configuration, the memory driver, two {@code @FilaListener} consumers and a policy
 * factory that takes fairness keys from the {@code tenant} header.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class BenchmarkApplication {

	@Bean
	QueuePolicyFactory tenantQueuePolicyFactory() {
		return new TenantQueuePolicyFactory("bench-");
	}

	@Bean
	BenchmarkListeners benchmarkListeners() {
		return new BenchmarkListeners();
	}

}
