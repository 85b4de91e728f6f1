package dev.fila.driver.amqp;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.DriverContractTests;

/**
 * The shared driver contract on RabbitMQ, for every layout of the AMQP driver: RabbitMQ
 * pushes messages to the instances and cannot peek. By default the driver runs on the local
 * node under a prefix of its own, whose queues and streams go with the test.
 */
abstract class AmqpContractTests extends DriverContractTests {

	/** The local node (127.0.0.1:5672); unused by a variant on another broker. */
	protected final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	/** The prefix of this test's RabbitMQ queues. */
	protected final String prefix = AmqpTestSupport.uniquePrefix();

	@Override
	protected boolean brokerPushesMessages() {
		return true;
	}

	@Override
	protected boolean supportsPeek() {
		return false;
	}

	@Override
	protected void afterDriverClosed() {
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix, this.driver);
		this.connectionFactory.destroy();
	}

}
