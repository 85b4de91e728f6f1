package dev.fila.driver.amqp;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import dev.fila.driver.OutgoingMessage;
import dev.fila.driver.QueueSpec;
import dev.fila.listener.FilaListenerContainer;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer JVM killed with SIGKILL mid-load loses nothing: RabbitMQ requeues what its
 * channel held when the connection dies, another consumer finishes the queue, and at most the
 * dead consumer's concurrency + prefetch messages are handled twice. A graceful stop under
 * load loses nothing and redelivers nothing.
 */
class AmqpKillIntegrationTests {

	private static final int MESSAGES = 2000;

	private static final int CONCURRENCY = 4;

	private static final int PREFETCH = 10;

	private final CachingConnectionFactory connectionFactory = AmqpTestSupport.connectionFactory();

	private final String prefix = AmqpTestSupport.uniquePrefix();

	private final String queue = "kill-test";

	private final List<FilaListenerContainer> containers = new ArrayList<>();

	private final List<AmqpDriver> drivers = new ArrayList<>();

	/** The ids RabbitMQ confirmed. */
	private final List<String> sent = new ArrayList<>();

	@TempDir
	Path directory;

	@AfterEach
	void cleanUp() {
		this.containers.forEach(FilaListenerContainer::stop);
		AmqpDriver admin = driver();
		admin.deleteQueue(this.queue);
		admin.deleteQueue(QueueSpec.deadLetterQueueOf(this.queue));
		this.drivers.forEach(AmqpDriver::close);
		AmqpTestSupport.deleteKeyLog(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	private AmqpDriver driver() {
		AmqpDriver driver = new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
		this.drivers.add(driver);
		return driver;
	}

	private AmqpDriver enqueueAll() {
		AmqpDriver driver = driver();
		driver.createQueue(new QueueSpec(this.queue, AmqpConsumerProcess.VISIBILITY, 1, true));
		List<OutgoingMessage> batch = new ArrayList<>();
		for (int i = 0; i < MESSAGES; i++) {
			batch.add(new OutgoingMessage(Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8),
					new Scheduling("tenant-" + (i % 10), 1, List.of())));
			if (batch.size() == 500) {
				this.sent.addAll(driver.enqueue(this.queue, batch));
				batch.clear();
			}
		}
		return driver;
	}

	private List<String> processed(Path record) throws IOException {
		return Files.exists(record) ? Files.readAllLines(record) : List.of();
	}

	@Test
	void consumerKilledWithSigkillLosesNothing() throws Exception {
		AmqpDriver driver = enqueueAll();
		Path record = this.directory.resolve("processed.txt");
		String java = ProcessHandle.current().info().command().orElse("java");
		Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				AmqpConsumerProcess.class.getName(), this.prefix, this.queue, Integer.toString(CONCURRENCY),
				Integer.toString(PREFETCH), "2", record.toString())
			.redirectErrorStream(true)
			.redirectOutput(new File("target/amqp-kill-test-consumer.log"))
			.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> processed(record).size() >= 300);
		}
		finally {
			child.destroyForcibly(); // SIGKILL on Linux
			assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
		}
		int handledBeforeKill = processed(record).size();
		FilaListenerContainer survivor = AmqpConsumerProcess.consumer(driver(), this.queue, CONCURRENCY, PREFETCH, 0,
				record);
		this.containers.add(survivor);
		survivor.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> processed(record).size() >= MESSAGES
				&& driver.stats(this.queue).total() == 0);
		DeliveryCounts counts = DeliveryCounts.of(this.sent, processed(record));
		System.out.printf("amqp kill test: %s handled-before-kill=%d%n", counts, handledBeforeKill);
		assertThat(counts.lost()).isZero();
		assertThat(counts.duplicated()).isLessThanOrEqualTo(CONCURRENCY + PREFETCH);
		assertThat(driver.stats(QueueSpec.deadLetterQueueOf(this.queue)).total()).isZero();
	}

	@Test
	void gracefulStopUnderLoadLosesNothingAndRedeliversNothing() throws Exception {
		AmqpDriver producer = enqueueAll();
		Path record = this.directory.resolve("processed.txt");
		AmqpDriver firstDriver = new AmqpDriver("amqp", this.connectionFactory, AmqpTestSupport.options(this.prefix));
		FilaListenerContainer first = AmqpConsumerProcess.consumer(firstDriver, this.queue, CONCURRENCY, PREFETCH, 2,
				record);
		first.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> processed(record).size() >= 300);
		// What an application context does on close: stop the consumers, then close the drivers.
		assertThat(first.stop()).isEmpty();
		firstDriver.close();
		FilaListenerContainer second = AmqpConsumerProcess.consumer(driver(), this.queue, CONCURRENCY, PREFETCH, 0,
				record);
		this.containers.add(second);
		second.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> processed(record).size() >= MESSAGES
				&& producer.stats(this.queue).total() == 0);
		DeliveryCounts counts = DeliveryCounts.of(this.sent, processed(record));
		System.out.printf("amqp graceful stop: %s%n", counts);
		assertThat(counts.lost()).isZero();
		assertThat(counts.duplicated()).isZero();
	}

}
