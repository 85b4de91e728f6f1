package dev.fila.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.fila.core.FilaConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;

class FilaConfigurationFailureAnalyzerTests {

	@Test
	void namesThePropertyTheValueAndWhatIsAllowed() {
		FilaConfigurationException cause = new FilaConfigurationException("fila.consumers.w.concurrency", 0,
				"an integer from 1 to 1000");
		FailureAnalysis analysis = new FilaConfigurationFailureAnalyzer()
			.analyze(new BeanCreationException("filaQueues", "failed", cause));
		assertThat(analysis.getDescription()).contains("Property: fila.consumers.w.concurrency")
			.contains("Value: 0")
			.contains("Allowed: an integer from 1 to 1000");
		assertThat(analysis.getAction()).isEqualTo("Update fila.consumers.w.concurrency to an integer from 1 to 1000.");
		assertThat(analysis.getCause()).isSameAs(cause);
	}

}
