package dev.fila.listener;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import dev.fila.annotation.FilaListener;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing the application context with a handler running: the consumer's
 * {@code shutdown-timeout} holds even when it is longer than Spring's
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
class FilaListenerShutdownTests {

	static final CountDownLatch started = new CountDownLatch(1);

	static final AtomicBoolean finished = new AtomicBoolean();

	static final AtomicBoolean interrupted = new AtomicBoolean();

	static class SlowListener {

		@FilaListener(id = "slow", queue = "slow-shutdown")
		void handle(String payload) throws InterruptedException {
			started.countDown();
			try {
				Thread.sleep(1_500);
				finished.set(true);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
				throw ex;
			}
		}

	}

	@Test
	void aShutdownTimeoutLongerThanTheLifecyclePhaseTimeoutIsHonoured() throws Exception {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, FilaAutoConfiguration.class))
			.withBean(SlowListener.class)
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=300ms",
					"fila.consumers.slow.shutdown-timeout=5s")
			.run((context) -> {
				context.getBean(FilaTemplate.class).enqueue("slow-shutdown", "work");
				assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
				long closing = System.nanoTime();
				((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
				Duration took = Duration.ofNanos(System.nanoTime() - closing);
				assertThat(finished).as("the handler finished").isTrue();
				assertThat(interrupted).isFalse();
				assertThat(took).isGreaterThan(Duration.ofMillis(300));
			});
	}

}
