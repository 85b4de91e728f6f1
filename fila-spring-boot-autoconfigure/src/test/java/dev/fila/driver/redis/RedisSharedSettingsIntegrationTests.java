package dev.fila.driver.redis;

import java.time.Duration;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.config.SharedSettings;
import dev.fila.core.FilaAdmin;
import dev.fila.driver.SharedFlowScenarios;
import dev.fila.queue.FilaThrottles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runtime config and throttles on Redis: one value for every instance, seen by the others
 * within a second, kept across restarts by the settings rule.
 */
class RedisSharedSettingsIntegrationTests {

	private final String prefix = RedisTestSupport.uniquePrefix();

	private final ApplicationContextRunner instance = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, FilaAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "fila.drivers.shared.type=redis",
				"fila.drivers.shared.redis.key-prefix=" + this.prefix, "fila.config.weight.acme=5",
				"fila.throttles.stripe.rate=100", "fila.throttles.stripe.burst=200");

	@AfterEach
	void cleanUp() {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();
		RedisTestSupport.deleteKeys(factory, this.prefix);
		factory.destroy();
	}

	@Test
	void aConfigChangeOnOneInstanceReachesTheOtherWithinASecondAndSurvivesARestart() {
		this.instance.run((first) -> this.instance.run((second) -> {
			FilaAdmin admin = first.getBean(FilaAdmin.class);
			FilaAdmin other = second.getBean(FilaAdmin.class);
			assertThat(other.getConfig("weight.acme")).contains("5");
			admin.setConfig("weight.acme", "9");
			admin.setConfig("weight.globex", "2");
			await().atMost(Duration.ofSeconds(1))
				.untilAsserted(() -> assertThat(other.listConfig("weight.")).containsEntry("weight.acme", "9")
					.containsEntry("weight.globex", "2"));
		}));
		// Every instance restarts with the same configuration: the run-time values stay.
		this.instance.run((restarted) -> assertThat(restarted.getBean(FilaAdmin.class).listConfig("weight."))
			.containsEntry("weight.acme", "9")
			.containsEntry("weight.globex", "2"));
	}

	@Test
	void aChangedConfigurationAppliesUnlessOverriddenAtRuntimeWhichAWarningNames() {
		this.instance.run((first) -> first.getBean(FilaAdmin.class).setConfig("weight.acme", "9"));
		ListAppender<ILoggingEvent> warnings = capture(SharedSettings.class);
		try {
			this.instance.withPropertyValues("fila.config.weight.acme=6", "fila.config.weight.initech=3")
				.run((changed) -> {
					assertThat(changed.getBean(FilaAdmin.class).getConfig("weight.acme")).contains("9");
					assertThat(changed.getBean(FilaAdmin.class).getConfig("weight.initech")).contains("3");
				});
			assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
				.anySatisfy((message) -> assertThat(message).startsWith(
						"fila.config.weight.acme is '6' in the configuration, but '9' set at run time stays in effect"));
		}
		finally {
			release(SharedSettings.class, warnings);
		}
		this.instance.withPropertyValues("fila.config.weight.initech=4")
			.run((again) -> assertThat(again.getBean(FilaAdmin.class).getConfig("weight.initech")).contains("4"));
	}

	@Test
	void aRuntimeThrottleIsGlobalAndAStartWithUnchangedConfigurationKeepsIt() {
		this.instance.run((first) -> this.instance.run((second) -> {
			first.getBean(FilaAdmin.class).setThrottle("stripe", 5, 10);
			await().atMost(Duration.ofSeconds(1))
				.untilAsserted(() -> assertThat(second.getBean(FilaThrottles.class).all())
					.containsEntry("stripe", new FilaThrottles.Throttle(5, 10)));
		}));
		this.instance.run((restarted) -> {
			assertThat(restarted.getBean(FilaThrottles.class).all()).containsEntry("stripe",
					new FilaThrottles.Throttle(5, 10));
			LettuceConnectionFactory factory = RedisTestSupport.connectionFactory();
			try (var connection = factory.getConnection()) {
				byte[] rate = connection.hashCommands()
					.hGet(RedisTestSupport.bytes(this.prefix + ":throttle:stripe"), RedisTestSupport.bytes("rate"));
				assertThat(new String(rate)).isEqualTo("5.0");
			}
			finally {
				factory.destroy();
			}
		});
	}

	private static ListAppender<ILoggingEvent> capture(Class<?> type) {
		Logger logger = (Logger) LoggerFactory.getLogger(type);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		logger.setLevel(Level.WARN);
		return appender;
	}

	private static void release(Class<?> type, ListAppender<ILoggingEvent> appender) {
		Logger logger = (Logger) LoggerFactory.getLogger(type);
		logger.detachAppender(appender);
		logger.setLevel(null);
	}

	@Test
	void aPauseOnOneInstanceHoldsTheKeyOnTheOtherWithinASecondAndSurvivesARestart() {
		SharedFlowScenarios.aPauseOnOneInstanceHoldsTheKeyOnTheOtherAndSurvivesARestart(this.instance);
	}

}
