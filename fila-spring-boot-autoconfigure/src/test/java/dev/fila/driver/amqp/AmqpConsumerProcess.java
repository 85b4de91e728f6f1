package dev.fila.driver.amqp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;


import dev.fila.driver.FilaDrivers;
import dev.fila.listener.ConsumerConfig;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.listener.FilaListenerContainerFactory;
import dev.fila.listener.FilaListenerEndpoint;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueueDefinition;
import dev.fila.scheduling.RetryPolicy;

/**
 * A consumer in a JVM of its own, for the kill tests: consumes an AMQP queue and appends each
 * handled message id to a file before the ack (a write survives SIGKILL), so the test can
 * count what was handled, lost and duplicated after it kills this process.
 * <p>
 * Arguments: name prefix, queue, concurrency, prefetch, handler millis, record file.
 */
public final class AmqpConsumerProcess {

	/** Visibility timeout of the kill-test queue. */
	static final Duration VISIBILITY = Duration.ofSeconds(5);

	private AmqpConsumerProcess() {
	}

	public static void main(String[] args) throws Exception {
		AmqpDriver driver = new AmqpDriver("amqp", AmqpTestSupport.connectionFactory(),
				AmqpTestSupport.options(args[0]));
		FilaListenerContainer container = consumer(driver, args[1], Integer.parseInt(args[2]),
				Integer.parseInt(args[3]), Long.parseLong(args[4]), Path.of(args[5]));
		container.start();
		System.out.println("READY");
		Thread.sleep(Long.MAX_VALUE);
	}

	static FilaListenerContainer consumer(AmqpDriver driver, String queue, int concurrency, int prefetch,
			long handlerMillis, Path record) {
		FilaQueues queues = new FilaQueues(new FilaDrivers(Map.of("amqp", driver), "amqp"),
				Map.of(queue, new QueueDefinition(queue, null, VISIBILITY, 1, true, RetryPolicy.DEFAULT, null, null)),
				new DefaultQueuePolicyFactory());
		FilaListenerContainerFactory factory = new FilaListenerContainerFactory(queues, Map.of());
		return factory.create(new FilaListenerEndpoint("kill-test-" + ProcessHandle.current().pid(),
				new ConsumerConfig(queue, concurrency, prefetch, true, Duration.ofSeconds(10)), "kill test",
				(message, ack) -> {
					Thread.sleep(handlerMillis);
					append(record, message.id());
				}));
	}

	static synchronized void append(Path record, String id) throws IOException {
		Files.writeString(record, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
				StandardOpenOption.APPEND);
	}

}
