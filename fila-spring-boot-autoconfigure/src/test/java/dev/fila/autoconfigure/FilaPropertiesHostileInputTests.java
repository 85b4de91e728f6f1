package dev.fila.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.core.FilaConfigurationException;

import static dev.fila.support.FilaTestSupport.configurationCause;
import static dev.fila.support.FilaTestSupport.problems;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Absurd values in {@code application.yml}: each fails start-up with the property, the value
 * and what is allowed, every one of them in one report, never a bare exception later.
 */
class FilaPropertiesHostileInputTests {

	private static final String HOOK = "function on_enqueue(msg) return {} end";

	private static final String HANDLER = "return function(body, msg) return true end";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class));

	@Test
	void anInfiniteThrottleRateIsReportedOnItsProperty() {
		this.contextRunner.withPropertyValues("fila.throttles.t.rate=Infinity").run((context) -> {
			assertThat(context).hasFailed();
			FilaConfigurationException failure = configurationCause(context.getStartupFailure());
			assertThat(failure.getProperty()).isEqualTo("fila.throttles.t.rate");
			assertThat(failure.getValue()).isEqualTo("Infinity");
			assertThat(failure.getAllowed()).contains("finite");
		});
	}

	@Test
	void aVisibilityTimeoutPastTheNanosecondClocksIsReportedOnItsProperty() {
		this.contextRunner.withPropertyValues("fila.queues.q.visibility-timeout=365000d").run((context) -> {
			assertThat(context).hasFailed();
			FilaConfigurationException failure = configurationCause(context.getStartupFailure());
			assertThat(failure.getProperty()).isEqualTo("fila.queues.q.visibility-timeout");
			assertThat(failure.getAllowed()).contains("3650d");
		});
	}

	@Test
	void luaLimitsPastTheNanosecondClocksAreReportedOnTheirProperties() {
		this.contextRunner
			.withPropertyValues("fila.queues.q.on-enqueue=" + HOOK, "fila.consumers.c.queue=q",
					"fila.consumers.c.handler=" + HANDLER, "fila.lua.timeout=365000d",
					"fila.lua.handler-timeout=365000d", "fila.lua.circuit-breaker.cooldown=365000d")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(problems(configurationCause(context.getStartupFailure())))
					.extracting(FilaConfigurationException::getProperty)
					.containsExactly("fila.lua.timeout", "fila.lua.handler-timeout", "fila.lua.circuit-breaker.cooldown");
			});
	}

	@Test
	void aRetryInitialDelayPastTheLongestRetryDelayIsReportedOnItsProperty() {
		// Long.MAX_VALUE seconds overflowed the millisecond delay on every failure: each retry
		// came after the 1s fallback, whatever max-delay said.
		this.contextRunner.withPropertyValues("fila.queues.q.retry.initial-delay=9223372036854775807s")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.queues.q.retry.initial-delay");
				assertThat(failure.getAllowed()).contains("24 days");
			});
	}

	@Test
	void everyBadValueOfOneQueueIsReported() {
		this.contextRunner
			.withPropertyValues("fila.queues.q.visibility-timeout=0s", "fila.queues.q.quantum=0",
					"fila.queues.q.max-in-flight=0", "fila.queues.q.retry.max-attempts=0",
					"fila.queues.q.retry.multiplier=NaN")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(problems(configurationCause(context.getStartupFailure())))
					.extracting(FilaConfigurationException::getProperty)
					.containsExactly("fila.queues.q.visibility-timeout", "fila.queues.q.quantum",
							"fila.queues.q.max-in-flight", "fila.queues.q.retry.max-attempts",
							"fila.queues.q.retry.multiplier");
			});
	}

	@Test
	void everyBadValueOfOneConsumerIsReported() {
		this.contextRunner
			.withPropertyValues("fila.consumers.c.concurrency=0", "fila.consumers.c.prefetch=-1",
					"fila.consumers.c.shutdown-timeout=-1s")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(problems(configurationCause(context.getStartupFailure())))
					.extracting(FilaConfigurationException::getProperty)
					.containsExactly("fila.consumers.c.concurrency", "fila.consumers.c.prefetch",
							"fila.consumers.c.shutdown-timeout");
			});
	}

	@Test
	void everyBadLuaLimitIsReported() {
		this.contextRunner
			.withPropertyValues("fila.lua.timeout=0ms", "fila.lua.handler-timeout=-1s",
					"fila.lua.circuit-breaker.failure-threshold=0", "fila.lua.circuit-breaker.cooldown=-1s")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(problems(configurationCause(context.getStartupFailure())))
					.extracting(FilaConfigurationException::getProperty)
					.containsExactly("fila.lua.timeout", "fila.lua.handler-timeout",
							"fila.lua.circuit-breaker.failure-threshold", "fila.lua.circuit-breaker.cooldown");
			});
	}

}
