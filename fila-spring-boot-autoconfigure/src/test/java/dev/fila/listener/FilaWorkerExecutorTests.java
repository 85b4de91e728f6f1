package dev.fila.listener;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.fila.annotation.FilaListener;
import dev.fila.annotation.FilaListenerConfigUtils;
import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consumer worker loops run on the {@code filaWorkerExecutor}: platform threads by default,
 * virtual threads with {@code spring.threads.virtual.enabled=true} on Java 21+, or the
 * application's own executor.
 */
class FilaWorkerExecutorTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
		.withBean(Listener.class);

	static final BlockingQueue<Thread> handledOn = new LinkedBlockingQueue<>();

	static class Listener {

		@FilaListener(id = "worker-threads", queue = "worker-threads")
		void handle(String payload) {
			handledOn.add(Thread.currentThread());
		}

	}

	private Thread handleOne(org.springframework.context.ApplicationContext context) throws InterruptedException {
		handledOn.clear();
		context.getBean(FilaTemplate.class).enqueue("worker-threads", "x");
		Thread thread = handledOn.poll(5, TimeUnit.SECONDS);
		assertThat(thread).as("a handler ran").isNotNull();
		return thread;
	}

	private static boolean isVirtual(Thread thread) throws Exception {
		return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
	}

	@Test
	void workersRunOnPlatformThreadsNamedAfterTheirConsumer() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean(FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME);
			Thread thread = handleOne(context);
			assertThat(thread.getName()).startsWith("fila-worker-threads-");
			assertThat(thread.isDaemon()).isFalse();
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void workersRunOnVirtualThreadsWhenSpringSaysSo() {
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			Thread thread = handleOne(context);
			assertThat(isVirtual(thread)).isTrue();
			assertThat(thread.getName()).startsWith("fila-worker-threads-");
		});
	}

	@Test
	void theApplicationsOwnExecutorRunsTheWorkers() {
		this.contextRunner.withUserConfiguration(OwnExecutor.class).run((context) -> {
			Thread thread = handleOne(context);
			assertThat(context.getBean(OwnExecutor.class).started.get()).isPositive();
			assertThat(thread.getThreadGroup().getName()).isEqualTo("my-workers");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnExecutor {

		final AtomicInteger started = new AtomicInteger();

		@Bean(FilaListenerConfigUtils.WORKER_EXECUTOR_BEAN_NAME)
		Executor myWorkers() {
			ThreadGroup group = new ThreadGroup("my-workers");
			return (task) -> {
				this.started.incrementAndGet();
				new Thread(group, task).start();
			};
		}

	}

}
