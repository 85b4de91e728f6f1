package dev.fila.lua;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.listener.FilaListenerRegistry;

import static dev.fila.support.FilaTestSupport.configurationCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Consumers written as Lua handler scripts, in an application context on the memory driver.
 */
class LuaHandlerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
		.withPropertyValues("fila.consumers.tasks.queue=lua-tasks", "fila.consumers.tasks.concurrency=2",
				"fila.consumers.tasks.handler=classpath:lua/echo-handler.lua",
				"fila.queues.lua-tasks.retry.max-attempts=2", "fila.queues.lua-tasks.retry.initial-delay=10ms");

	@Test
	void returnedValueAcksAndTheModulesWork() {
		Logger handlerLogger = (Logger) LoggerFactory.getLogger("dev.fila.lua.handler.tasks");
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		handlerLogger.addAppender(appender);
		try {
			this.contextRunner.run((context) -> {
				FilaTemplate template = context.getBean(FilaTemplate.class);
				assertThat(context.getBean(FilaListenerRegistry.class).isRunning("tasks")).isTrue();
				template.enqueue("lua-tasks", Map.of("tenant", "acme"), "{\"id\":\"t1\",\"n\":21}");
				FilaDelivery result = template.receive("lua-results", Duration.ofSeconds(5)).orElseThrow();
				result.ack();
				assertThat(new String(result.payload(), StandardCharsets.UTF_8))
					.isEqualTo("{\"id\":\"t1\",\"doubled\":42,\"tags\":[\"a\",\"b\"]}");
				assertThat(result.headers()).containsEntry("source", "lua-tasks").containsEntry("tenant", "acme");
				await().atMost(Duration.ofSeconds(5))
					.until(() -> context.getBean(FilaAdmin.class).stats("lua-tasks").total() == 0);
			});
			assertThat(appender.list).anySatisfy((event) -> {
				assertThat(event.getFormattedMessage()).isEqualTo("handled task");
				assertThat(event.getKeyValuePairs()).extracting((pair) -> pair.key + "=" + pair.value)
					.contains("consumer=tasks", "id=t1", "attempts=1");
			});
		}
		finally {
			handlerLogger.detachAppender(appender);
		}
	}

	@Test
	void publishSendsATablePayloadAsJsonAsTheQueueSeedsExampleDoes() {
		String script = """
				local queue = require("queue")
				return function(payload, msg)
				  queue.publish("lua-published", { id = "task-123", action = "process", data = payload })
				  local ok, err = pcall(queue.publish, "lua-published", true)
				  queue.publish("lua-published", tostring(err))
				  return true
				end
				""";
		this.contextRunner.withPropertyValues("fila.consumers.tasks.handler=" + script).run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("lua-tasks", "raw");
			FilaDelivery table = template.receive("lua-published", Duration.ofSeconds(5)).orElseThrow();
			table.ack();
			assertThat(new String(table.payload(), StandardCharsets.UTF_8))
				.isEqualTo("{\"id\":\"task-123\",\"action\":\"process\",\"data\":\"raw\"}");
			FilaDelivery refused = template.receive("lua-published", Duration.ofSeconds(5)).orElseThrow();
			refused.ack();
			assertThat(new String(refused.payload(), StandardCharsets.UTF_8))
				.contains("queue.publish: payload must be a string or a table, not a boolean");
		});
	}

	@Test
	void nilAndAnErrorNackTheMessage() {
		this.contextRunner.run((context) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("lua-tasks", "{\"id\":\"t2\",\"n\":1,\"fail\":true}");
			FilaDelivery dead = template.receive("lua-tasks.dlq", Duration.ofSeconds(5)).orElseThrow();
			assertThat(dead.headers()).containsEntry("fila-error", "task t2 failed").containsEntry("fila-attempts", "2");
			template.enqueue("lua-tasks", "{\"id\":\"t3\",\"n\":1,\"crash\":true}");
			FilaDelivery crashed = template.receive("lua-tasks.dlq", Duration.ofSeconds(5)).orElseThrow();
			assertThat(crashed.headers().get("fila-error")).contains("crashed on t3");
		});
	}

	@Test
	void handlerRunsUnderTheSameRegistryAndLifecycle() {
		this.contextRunner.withPropertyValues("fila.consumers.tasks.auto-startup=false").run((context) -> {
			FilaListenerRegistry registry = context.getBean(FilaListenerRegistry.class);
			assertThat(registry.isRunning("tasks")).isFalse();
			assertThat(registry.getContainer("tasks").getSettings().concurrency()).isEqualTo(2);
			registry.start("tasks");
			assertThat(registry.isRunning("tasks")).isTrue();
		});
	}

	@Test
	void inlineHandlerWithASlowScriptIsStoppedAndNacked() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.spin.queue=spin", "fila.lua.handler-timeout=100ms",
					"fila.queues.spin.retry.max-attempts=1",
					"fila.consumers.spin.handler=return function(body, msg) while true do end end")
			.run((context) -> {
				context.getBean(FilaTemplate.class).enqueue("spin", "x");
				FilaDelivery dead = context.getBean(FilaTemplate.class)
					.receive("spin.dlq", Duration.ofSeconds(5))
					.orElseThrow();
				assertThat(dead.headers().get("fila-error")).contains("time limit");
			});
	}

	@Test
	void onlyTheFilaModulesCanBeRequired() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.sneaky.queue=sneaky", "fila.queues.sneaky.retry.max-attempts=1",
					"fila.consumers.sneaky.handler=return function(body, msg) require('os').exit(1) end")
			.run((context) -> {
				context.getBean(FilaTemplate.class).enqueue("sneaky", "x");
				FilaDelivery dead = context.getBean(FilaTemplate.class)
					.receive("sneaky.dlq", Duration.ofSeconds(5))
					.orElseThrow();
				assertThat(dead.headers().get("fila-error")).contains("module 'os' not found");
			});
	}

	@Test
	void startupFailsForAHandlerThatDoesNotCompileOrIsMissing() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.bad.queue=bad", "fila.consumers.bad.handler=return function(body\n")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.consumers.bad.handler");
				assertThat(failure.getMessage()).contains("fila.consumers.bad.handler:1:").contains("')' expected");
			});
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.bad.queue=bad", "fila.consumers.bad.handler=classpath:lua/nope.lua")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getValue()).isEqualTo("classpath:lua/nope.lua");
			});
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.bad.queue=bad", "fila.consumers.bad.handler=return 42")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(configurationCause(context.getStartupFailure()).getMessage()).contains("must return a function");
			});
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.consumers.bad.handler=return function() end")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(configurationCause(context.getStartupFailure()).getProperty()).isEqualTo("fila.consumers.bad.queue");
			});
	}

	@Test
	void startupFailsForAHookThatDoesNotCompile() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class))
			.withPropertyValues("fila.queues.orders.on-enqueue=function on_enqueue(msg) return { end")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.queues.orders.on-enqueue");
				assertThat(failure.getMessage()).contains("fila.queues.orders.on-enqueue:1:");
			});
	}

}
