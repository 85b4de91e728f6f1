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

	@Test
	void listsEveryProblemTheFirstOneFirst() {
		FilaConfigurationException first = new FilaConfigurationException("fila.drivers.jobs.type", "kafak",
				"one of [amqp, memory, redis]");
		first.addSuppressed(new FilaConfigurationException("fila.queues.q.quantum", 0, "an integer of at least 1"));
		FailureAnalysis analysis = new FilaConfigurationFailureAnalyzer()
			.analyze(new BeanCreationException("filaDrivers", "failed", first));
		assertThat(analysis.getDescription()).contains("(2 problems)");
		assertThat(analysis.getDescription().indexOf("fila.drivers.jobs.type"))
			.isLessThan(analysis.getDescription().indexOf("fila.queues.q.quantum"));
		assertThat(analysis.getAction()).isEqualTo("Update fila.drivers.jobs.type to one of [amqp, memory, redis].\n"
				+ "Update fila.queues.q.quantum to an integer of at least 1.");
	}

}
