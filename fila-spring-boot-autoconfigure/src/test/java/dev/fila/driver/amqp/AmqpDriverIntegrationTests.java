package dev.fila.driver.amqp;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.DriverContractTests;
import dev.fila.driver.FilaDriver;

/**
 * The AMQP driver against the shared driver contract, on the real RabbitMQ.
 */
class AmqpDriverIntegrationTests extends DriverContractTests {

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	@Override
	protected FilaDriver createDriver() {
		return new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
	}

	@Override
	protected void afterDriverClosed() {
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

}
