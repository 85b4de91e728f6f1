package dev.fila.annotation;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaConfigurationException;
import dev.fila.support.FilaTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up errors of {@code @FilaListener} declarations: every bad one in one report, each
 * naming what the user wrote.
 */
class FilaListenerAnnotationBeanPostProcessorTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class));

	static class TwoBadListeners {

		@FilaListener(queue = "first", concurrency = "0")
		void first(String payload) {
		}

		@FilaListener(queue = "second", prefetch = "99999999999", autoStartup = "maybe")
		void second(String payload) {
		}

	}

	static class BlankQueue {

		@FilaListener(queue = "  ")
		void blank(String payload) {
		}

	}

	@Test
	void everyBadAttributeOfEveryListenerIsInOneReport() {
		this.contextRunner.withUserConfiguration(TwoBadListeners.class).run((context) -> {
			FilaConfigurationException failure = configurationFailure(context.getStartupFailure());
			List<String> reported = FilaTestSupport.problems(failure)
				.stream()
				.map((problem) -> problem.getProperty() + "=" + problem.getValue())
				.toList();
			String on = "@FilaListener on " + TwoBadListeners.class.getName();
			assertThat(reported).containsExactlyInAnyOrder(on + ".first attribute 'concurrency'=0",
					on + ".second attribute 'prefetch'=99999999999", on + ".second attribute 'autoStartup'=maybe");
		});
	}

	@Test
	void aBlankQueueIsReportedOnTheAttributeThatIsBlank() {
		this.contextRunner.withUserConfiguration(BlankQueue.class).run((context) -> {
			FilaConfigurationException failure = configurationFailure(context.getStartupFailure());
			assertThat(failure.getProperty()).startsWith("@FilaListener on " + BlankQueue.class.getName() + ".blank attribute 'queue'");
		});
	}

	private static FilaConfigurationException configurationFailure(Throwable failure) {
		Throwable current = failure;
		while (current != null && !(current instanceof FilaConfigurationException)) {
			current = current.getCause();
		}
		assertThat(current).as("a FilaConfigurationException in %s", failure).isNotNull();
		return (FilaConfigurationException) current;
	}

}
