package dev.fila.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.fila.driver.LeasedMessage;

import static org.assertj.core.api.Assertions.assertThat;

class FailureLogTests {

	private final Logger logger = (Logger) LoggerFactory.getLogger(FailureLog.class);

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private final AtomicLong now = new AtomicLong(1_000);

	private final FailureLog log = new FailureLog("Consumer 'billing'", this.now::get);

	private final LeasedMessage message = new LeasedMessage("m-7", "invoices", Map.of(), new byte[0], "acme", 1,
			List.of(), 3, Instant.EPOCH, "token");

	private Level level;

	@BeforeEach
	void attach() {
		this.level = this.logger.getLevel();
		this.logger.setLevel(Level.DEBUG);
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.appender);
		this.logger.setLevel(this.level);
	}

	@Test
	void aHandlerFailureIsAWarningNamingConsumerQueueMessageAndAttemptWithTheStackAtDebug() {
		this.log.handlerFailed(this.message, "IllegalStateException: no stock", new IllegalStateException("no stock"));
		assertThat(warnings()).containsExactly(
				"Consumer 'billing': handler failed on message m-7 of queue 'invoices' (attempt 3): IllegalStateException: no stock");
		assertThat(this.appender.list).filteredOn((event) -> event.getLevel() == Level.WARN)
			.allMatch((event) -> event.getThrowableProxy() == null);
		assertThat(this.appender.list).filteredOn((event) -> event.getLevel() == Level.DEBUG)
			.singleElement()
			.satisfies((event) -> assertThat(event.getThrowableProxy().getMessage()).isEqualTo("no stock"));
	}

	@Test
	void aFloodIsCutToFiveLinesPerWindowAndTheNextLineSaysHowManyWereLeftOut() {
		for (int i = 0; i < 20; i++) {
			this.log.handlerFailed(this.message, "boom", new RuntimeException());
		}
		assertThat(warnings()).hasSize(FailureLog.PER_WINDOW);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(10));
		this.log.handlerFailed(this.message, "boom", new RuntimeException());
		assertThat(warnings()).hasSize(FailureLog.PER_WINDOW + 1)
			.last()
			.asString()
			.endsWith("boom (15 more not logged in the last 10s)");
	}

	@Test
	void deadLettersAreLimitedApartFromHandlerFailures() {
		for (int i = 0; i < 10; i++) {
			this.log.handlerFailed(this.message, "boom", new RuntimeException());
		}
		this.log.deadLettered(this.message, "boom");
		assertThat(warnings()).hasSize(FailureLog.PER_WINDOW + 1)
			.last()
			.isEqualTo("Consumer 'billing': message m-7 of queue 'invoices' dead-lettered after 3 attempt(s): boom");
	}

	private List<String> warnings() {
		return this.appender.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

}
