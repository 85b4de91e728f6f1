package dev.fila.driver.amqp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.ChaosScenario;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault-injection run on RabbitMQ: the driver's connections closed by the broker
 * ({@code rabbitmqctl close_connection}, this test's connections only, found by their name)
 * twice, besides the library's own faults.
 */
class AmqpChaosIntegrationTests {

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final String connectionName = "fila-chaos-" + UUID.randomUUID().toString().substring(0, 8);

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	@AfterEach
	void cleanUp() {
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void losesNothingWhenTheBrokerClosesItsConnections() throws Exception {
		this.connectionFactory.setConnectionNameStrategy((factory) -> this.connectionName);
		try (AmqpDriver driver = new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix))) {
			new ChaosScenario(driver).fault("close_connection", this::closeConnections)
				.fault("close_connection again", this::closeConnections)
				.run(1_500);
		}
	}

	private void closeConnections() throws Exception {
		int closed = 0;
		for (String line : rabbitmqctl("list_connections", "pid", "client_properties").split("\n")) {
			if (line.contains(this.connectionName)) {
				rabbitmqctl("close_connection", line.substring(0, line.indexOf('\t')), "fila chaos test");
				closed++;
			}
		}
		assertThat(closed).as("connections closed").isPositive();
	}

	private static String rabbitmqctl(String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-n", "rabbit@localhost", "-q"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as("rabbitmqctl %s: %s", arguments[0], output).isZero();
		return output;
	}

}
