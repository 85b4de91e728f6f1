package dev.fila.driver.amqp;

import java.util.List;
import java.util.UUID;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.FilaDriver;

/**
 * Connections to the RabbitMQ the tests run against (127.0.0.1:5672, guest/guest) and unique
 * name prefixes, so tests never see each other's queues.
 */
final class AmqpTestSupport {

	private AmqpTestSupport() {
	}

	static CachingConnectionFactory connectionFactory() {
		CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", 5672);
		factory.setUsername("guest");
		factory.setPassword("guest");
		return factory;
	}

	static String uniquePrefix() {
		return "fila-test-" + UUID.randomUUID().toString().substring(0, 8);
	}

	static AmqpDriverOptions options(String prefix) {
		return options(prefix, AmqpDriverOptions.DEFAULTS.keyShards());
	}

	/** The default options with classic queues and the given number of key shards (0: a queue per key). */
	static AmqpDriverOptions options(String prefix, int keyShards) {
		AmqpDriverOptions defaults = AmqpDriverOptions.DEFAULTS;
		return new AmqpDriverOptions(prefix, false, defaults.keyPrefetch(), defaults.prefetchBudget(),
				defaults.keyLogMaxBytes(), defaults.sessionIdleTimeout(), keyShards, defaults.keyIdleExpiry());
	}

	/**
	 * Deletes the key log and settings streams of a prefix and the throttle leader's queue (the
	 * queues are deleted through the driver).
	 */
	static void deleteKeyLog(CachingConnectionFactory factory, String prefix) {
		deleteKeyLog(factory, prefix, List.of());
	}

	/** Deletes what {@link #deleteKeyLog(CachingConnectionFactory, String)} does and the driver's token queues. */
	static void deleteKeyLog(CachingConnectionFactory factory, String prefix, FilaDriver driver) {
		deleteKeyLog(factory, prefix, ((AmqpDriver) driver).throttles().tokenQueues());
	}

	private static void deleteKeyLog(CachingConnectionFactory factory, String prefix, List<String> tokenQueues) {
		try (var connection = factory.createConnection()) {
			var channel = connection.createChannel(false);
			channel.queueDelete(new AmqpNames(prefix).keyLog());
			channel.queueDelete(new AmqpNames(prefix).settings());
			channel.queueDelete(new AmqpNames(prefix).throttleLeader());
			for (String tokenQueue : tokenQueues) {
				channel.queueDelete(tokenQueue);
			}
			channel.close();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
