package dev.fila.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.client.DefaultFilaTemplate;
import dev.fila.annotation.FilaListener;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.core.FilaTemplate;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.MessageLimits;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.listener.FilaListenerRegistry;
import dev.fila.queue.FilaFlowControl;
import dev.fila.queue.FilaQueues;
import dev.fila.queue.QueuePolicyFactory;
import dev.fila.scheduling.QueueFlow;
import tools.jackson.databind.json.JsonMapper;

import static dev.fila.support.FilaTestSupport.configurationCause;
import static dev.fila.support.FilaTestSupport.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class FilaAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FilaAutoConfiguration.class));

	@Test
	void memoryDriverAndCoreBeansWhenNothingIsConfigured() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(FilaTemplate.class)
				.hasSingleBean(FilaAdmin.class)
				.hasSingleBean(FilaListenerRegistry.class)
				.hasSingleBean(FilaQueues.class)
				.hasSingleBean(QueuePolicyFactory.class);
			FilaDrivers drivers = context.getBean(FilaDrivers.class);
			assertThat(drivers.defaultDriverName()).isEqualTo("memory");
			assertThat(drivers.get(null)).isInstanceOf(MemoryDriver.class);
		});
	}

	@Test
	void declaredQueuesAreCreatedAtStartup() {
		this.contextRunner.withPropertyValues("fila.queues.orders.visibility-timeout=5s", "fila.queues.orders.quantum=3")
			.run((context) -> {
				FilaAdmin admin = context.getBean(FilaAdmin.class);
				assertThat(admin.listQueues()).contains("orders", "orders.dlq");
				assertThat(context.getBean(FilaQueues.class).binding("orders").definition().quantum()).isEqualTo(3);
			});
	}

	@Test
	void queueWithoutDeadLetterHasNoDlq() {
		this.contextRunner.withPropertyValues("fila.queues.plain.dead-letter=false")
			.run((context) -> assertThat(context.getBean(FilaAdmin.class).listQueues()).contains("plain")
				.doesNotContain("plain.dlq"));
	}

	@Test
	void severalMemoryDriversWithAnExplicitDefault() {
		this.contextRunner
			.withPropertyValues("fila.drivers.one.type=memory", "fila.drivers.two.type=memory", "fila.default-driver=two",
					"fila.queues.a.driver=one", "fila.queues.b.visibility-timeout=10s")
			.run((context) -> {
				FilaQueues queues = context.getBean(FilaQueues.class);
				assertThat(queues.binding("a").driver().name()).isEqualTo("one");
				assertThat(queues.binding("b").driver().name()).isEqualTo("two");
				assertThat(queues.binding("undeclared").driver().name()).isEqualTo("two");
			});
	}

	@Test
	void singleDeclaredDriverIsTheDefault() {
		this.contextRunner.withPropertyValues("fila.drivers.local.type=memory")
			.run((context) -> assertThat(context.getBean(FilaDrivers.class).defaultDriverName()).isEqualTo("local"));
	}

	@Test
	void runtimeConfigIsSeededFromProperties() {
		this.contextRunner.withPropertyValues("fila.config.weight.acme=5")
			.run((context) -> assertThat(context.getBean(FilaAdmin.class).getConfig("weight.acme")).contains("5"));
	}

	@Test
	void userBeansReplaceTheDefaults() {
		this.contextRunner.withUserConfiguration(CustomBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(FilaTemplate.class);
			assertThat(context.getBean(FilaTemplate.class)).isSameAs(context.getBean(CustomBeans.class).template);
		});
	}

	@Test
	void usesTheApplicationsJsonMapper() {
		JsonMapper mapper = JsonMapper.builder().build();
		this.contextRunner.withBean(JsonMapper.class, () -> mapper).run((context) -> {
			FilaPayloadConverter converter = context.getBean(FilaPayloadConverter.class);
			assertThat(converter.fromBytes("{\"a\":1}".getBytes(), java.util.Map.class)).containsEntry("a", 1);
		});
	}

	@Test
	void unknownDriverTypeFails() {
		assertFailure(new String[] { "fila.drivers.x.type=kafka" }, "fila.drivers.x.type", "kafka",
				"one of [amqp, memory, redis]");
	}

	@Test
	void driverTypeWhoseLibraryIsMissingNamesTheDependency() {
		this.contextRunner
			.withClassLoader(new FilteredClassLoader(ConnectionFactory.class))
			.withPropertyValues("fila.drivers.rabbit.type=amqp")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.rabbit.type");
				assertThat(failure.getMessage()).contains("spring-boot-starter-amqp");
			});
		this.contextRunner.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.withPropertyValues("fila.drivers.shared.type=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.shared.type");
				assertThat(failure.getMessage()).contains("spring-boot-starter-data-redis");
			});
	}

	@Test
	void amqpDriverWithoutAConnectionFactoryFails() {
		assertFailure(new String[] { "fila.drivers.rabbit.type=amqp" }, "fila.drivers.rabbit.type", "amqp",
				"spring.rabbitmq");
	}

	@Test
	void amqpDriverRejectsBadOptions() {
		this.contextRunner.withBean(ConnectionFactory.class, () -> mock(ConnectionFactory.class))
			.withPropertyValues("fila.drivers.rabbit.type=amqp", "fila.drivers.rabbit.amqp.key-prefetch=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.key-prefetch");
				assertThat(failure.getValue()).isEqualTo("0");
				assertThat(failure.getMessage()).contains("1..10000");
			});
	}

	@Test
	void keyShardsOutOfRangeNameTheFullProperty() {
		this.contextRunner.withBean(ConnectionFactory.class, () -> mock(ConnectionFactory.class))
			.withPropertyValues("fila.drivers.rabbit.type=amqp", "fila.drivers.rabbit.amqp.key-shards=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.rabbit.amqp.key-shards");
				assertThat(failure.getValue()).isEqualTo("-1");
				assertThat(failure.getAllowed()).contains("0..1024");
			});
	}

	@Test
	void aValueOfTheWrongTypeFailsBindingNamingTheFullProperty() {
		this.contextRunner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("fila.drivers.shared.type=redis", "fila.drivers.shared.redis.wait-timeout=abc")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("abc");
				BindException bind = bindCause(context.getStartupFailure());
				assertThat(bind.getName()).hasToString("fila.drivers.shared.redis.wait-timeout");
			});
	}

	@Test
	void typedOptionsReachTheDriver() {
		this.contextRunner
			.withPropertyValues("fila.drivers.small.type=memory", "fila.drivers.small.memory.max-payload-bytes=2KB",
					"fila.drivers.small.memory.max-header-bytes=4096")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				MessageLimits limits = context.getBean(FilaDrivers.class).get("small").limits();
				assertThat(limits.maxPayloadBytes()).isEqualTo(2048);
				assertThat(limits.maxHeaderBytes()).isEqualTo(4096);
				assertThat(limits.payloadProperty()).isEqualTo("fila.drivers.small.memory.max-payload-bytes");
			});
	}

	@Test
	void anEmptySectionOfTheDriversOwnTypeIsAccepted() {
		this.contextRunner.withInitializer((context) -> {
			try {
				new YamlPropertySourceLoader()
					.load("test", new ByteArrayResource("fila.drivers.small: {type: memory, memory: {}}".getBytes()))
					.forEach(context.getEnvironment().getPropertySources()::addFirst);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(FilaDrivers.class).get("small").limits().maxPayloadBytes())
				.isEqualTo(MessageLimits.DEFAULT_MAX_PAYLOAD_BYTES);
		});
	}

	@Test
	void redisDriverWithoutAConnectionFactoryFails() {
		assertFailure(new String[] { "fila.drivers.shared.type=redis" }, "fila.drivers.shared.type", "redis",
				"spring.data.redis");
	}

	@Test
	void aSectionOfAnotherDriverTypeIsReported() {
		this.contextRunner.withBean(ConnectionFactory.class, () -> mock(ConnectionFactory.class))
			.withPropertyValues("fila.drivers.rabbit.type=amqp", "fila.drivers.rabbit.redis.key-prefix=app")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.rabbit.redis.key-prefix");
				assertThat(failure.getValue()).isEqualTo("app");
				assertThat(failure.getAllowed()).contains("fila.drivers.rabbit.amqp");
			});
	}

	@Test
	void unknownOptionsAndTheRemovedOptionsMapAreReported() {
		this.contextRunner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("fila.drivers.shared.type=redis", "fila.drivers.shared.redis.key-prefx=x",
					"fila.drivers.shared.options.key-prefix=y")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(problems(failure)).extracting(FilaConfigurationException::getProperty)
					.containsExactlyInAnyOrder("fila.drivers.shared.redis.key-prefx",
							"fila.drivers.shared.options.key-prefix");
				assertThat(failure.getAllowed()).contains("key-prefix", "wait-replicas");
			});
	}

	@Test
	void everyBadDriverOptionIsReportedAtOnce() {
		this.contextRunner.withBean(ConnectionFactory.class, () -> mock(ConnectionFactory.class))
			.withPropertyValues("fila.drivers.rabbit.type=amqp", "fila.drivers.rabbit.amqp.key-shards=-1",
					"fila.drivers.rabbit.amqp.prefix=no spaces", "fila.drivers.rabbit.amqp.key-idle-expiry=500ms",
					"fila.drivers.rabbit.redis.wait-replicas=1", "fila.queues.q.quantum=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(problems(failure)).extracting(FilaConfigurationException::getProperty)
					.containsExactlyInAnyOrder("fila.drivers.rabbit.redis.wait-replicas",
							"fila.drivers.rabbit.amqp.prefix", "fila.drivers.rabbit.amqp.key-shards",
							"fila.drivers.rabbit.amqp.key-idle-expiry", "fila.queues.q.quantum");
				assertThat(problems(failure)).filteredOn((problem) -> problem.getProperty().endsWith("key-idle-expiry"))
					.singleElement()
					.satisfies((problem) -> assertThat(problem.getValue()).isEqualTo("500ms"));
			});
	}

	@Test
	void everyBadSettingIsReportedAtOnceTheDriverTypeFirst() {
		this.contextRunner
			.withPropertyValues("fila.queues.q.quantum=0", "fila.drivers.jobs.type=kafak",
					"fila.consumers.c.concurrency=0", "fila.throttles.t.rate=0", "fila.lua.timeout=0ms")
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getProperty()).isEqualTo("fila.drivers.jobs.type");
				assertThat(failure.getSuppressed()).extracting((problem) -> ((FilaConfigurationException) problem).getProperty())
					.containsExactly("fila.throttles.t.rate", "fila.queues.q.quantum", "fila.consumers.c.concurrency",
							"fila.lua.timeout");
			});
	}

	@Test
	void inFlightLimitsComeFromTheQueuesConfigurationAndBadOnesAreReported() {
		this.contextRunner
			.withPropertyValues("fila.queues.orders.key-max-in-flight=2", "fila.queues.orders.max-in-flight=10")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				QueueFlow flow = context.getBean(FilaFlowControl.class).flow("orders");
				assertThat(flow.keyMaxInFlight()).isEqualTo(2);
				assertThat(flow.maxInFlight()).isEqualTo(10);
			});
		assertFailure(new String[] { "fila.queues.q.key-max-in-flight=0" }, "fila.queues.q.key-max-in-flight", "0",
				"an integer of at least 1, or unset for no limit");
		assertFailure(new String[] { "fila.queues.q.max-in-flight=-3" }, "fila.queues.q.max-in-flight", "-3",
				"an integer of at least 1, or unset for no limit");
	}

	@Test
	void priorityAgingComesFromTheQueuesConfigurationAndBadValuesAreReported() {
		this.contextRunner.withPropertyValues("fila.queues.orders.priority-aging=30s").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(FilaFlowControl.class).flow("orders").priorityAgingMillis()).isEqualTo(30_000);
			assertThat(context.getBean(FilaFlowControl.class).flow("other").priorityAgingMillis()).isZero();
		});
		for (String bad : new String[] { "0s", "-1s", "25d", "500us" }) {
			assertFailure(new String[] { "fila.queues.q.priority-aging=" + bad }, "fila.queues.q.priority-aging",
					DurationStyle.detectAndParse(bad).toString(), "a duration from 1ms to 24d, or unset for no aging");
		}
	}

	@Test
	void unknownDriverNameFails() {
		assertFailure(new String[] { "fila.queues.orders.driver=nope" }, "fila.queues.orders.driver", "nope",
				"the name of a declared driver, one of [memory]");
		assertFailure(new String[] { "fila.default-driver=nope" }, "fila.default-driver", "nope",
				"the name of a declared driver");
	}

	@Test
	void queueWithoutDriverFailsWhenThereIsNoDefault() {
		assertFailure(new String[] { "fila.drivers.a.type=memory", "fila.drivers.b.type=memory", "fila.queues.q.quantum=1" },
				"fila.default-driver", null, "queue 'q' names no driver");
	}

	@Test
	void badQueueNamesFail() {
		assertFailure(new String[] { "fila.queues.[bad name].quantum=1" }, "fila.queues.bad name", "bad name",
				"1 to 200 characters of A-Za-z0-9._-");
		assertFailure(new String[] { "fila.queues.[orders.dlq].quantum=1" }, "fila.queues.orders.dlq", "orders.dlq",
				"not ending in '.dlq'");
	}

	@Test
	void consumerConcurrencyAndPrefetchOutOfRangeFail() {
		assertFailure(new String[] { "fila.consumers.w.concurrency=0" }, "fila.consumers.w.concurrency", "0",
				"an integer from 1 to 1000");
		assertFailure(new String[] { "fila.consumers.w.concurrency=1001" }, "fila.consumers.w.concurrency", "1001",
				"an integer from 1 to 1000");
		assertFailure(new String[] { "fila.consumers.w.prefetch=0" }, "fila.consumers.w.prefetch", "0",
				"an integer from 1 to 10000");
		assertFailure(new String[] { "fila.consumers.w.prefetch=10001" }, "fila.consumers.w.prefetch", "10001",
				"an integer from 1 to 10000");
	}

	@Test
	void listenerAttributesOutOfRangeFail() {
		this.contextRunner.withUserConfiguration(TooManyWorkers.class).run((context) -> {
			assertThat(context).hasFailed();
			FilaConfigurationException failure = configurationCause(context.getStartupFailure());
			assertThat(failure.getProperty()).contains("@FilaListener on").contains("concurrency");
			assertThat(failure.getValue()).isEqualTo("5000");
		});
	}

	@Test
	void listenerOnABadQueueNameFails() {
		this.contextRunner.withUserConfiguration(BadQueueListener.class).run((context) -> {
			assertThat(context).hasFailed();
			FilaConfigurationException failure = configurationCause(context.getStartupFailure());
			assertThat(failure.getProperty()).contains("queue");
			assertThat(failure.getValue()).isEqualTo("no spaces allowed");
		});
	}

	@Test
	void listenerOnAQueueWithoutADriverFails() {
		this.contextRunner
			.withPropertyValues("fila.drivers.a.type=memory", "fila.drivers.b.type=memory")
			.withUserConfiguration(ListenerOnUndeclaredQueue.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				FilaConfigurationException failure = configurationCause(context.getStartupFailure());
				assertThat(failure.getValue()).isEqualTo("undeclared");
				assertThat(failure.getMessage()).contains("fila.default-driver");
			});
	}

	@Test
	void configuredConsumerWithoutListenerFails() {
		assertFailure(new String[] { "fila.consumers.orphan.concurrency=2" }, "fila.consumers.orphan", "orphan",
				"@FilaListener(id = \"orphan\")");
	}

	@Test
	void luaLimitsMustBePositive() {
		assertFailure(new String[] { "fila.lua.timeout=0ms" }, "fila.lua.timeout", "PT0S", "a positive duration");
		assertFailure(new String[] { "fila.lua.circuit-breaker.failure-threshold=0" },
				"fila.lua.circuit-breaker.failure-threshold", "0", "at least 1");
	}

	@Test
	void badThrottleAndRetrySettingsFail() {
		assertFailure(new String[] { "fila.throttles.t.rate=0" }, "fila.throttles.t.rate", "0.0", "positive");
		assertFailure(new String[] { "fila.throttles.t.rate=5", "fila.throttles.t.burst=0" }, "fila.throttles.t.burst",
				"0", "at least 1");
		assertFailure(new String[] { "fila.queues.q.retry.max-attempts=0" }, "fila.queues.q.retry.max-attempts", "0",
				"at least 1");
		assertFailure(new String[] { "fila.queues.q.visibility-timeout=0s" }, "fila.queues.q.visibility-timeout", "PT0S",
				"at least 1000ms");
		assertFailure(new String[] { "fila.queues.q.visibility-timeout=200ms" }, "fila.queues.q.visibility-timeout",
				"PT0.2S", "at least 1000ms");
		assertFailure(new String[] { "fila.queues.q.retry.max-delay=25d" }, "fila.queues.q.retry.max-delay", "PT600H",
				"from 0 to 24 days");
	}

	private static BindException bindCause(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof BindException bind) {
				return bind;
			}
		}
		throw new AssertionError("No BindException in " + failure, failure);
	}

	private void assertFailure(String[] properties, String property, String value, String allowedFragment) {
		this.contextRunner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			FilaConfigurationException failure = configurationCause(context.getStartupFailure());
			assertThat(failure.getProperty()).isEqualTo(property);
			assertThat(failure.getValue()).isEqualTo(value);
			assertThat(failure.getMessage()).contains(allowedFragment);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomBeans {

		final FilaTemplate template = new DefaultFilaTemplate(null, null);

		@Bean
		FilaTemplate customTemplate() {
			return this.template;
		}

	}

	static class TooManyWorkers {

		@FilaListener(queue = "q", concurrency = "5000")
		void handle(String payload) {
		}

	}

	static class BadQueueListener {

		@FilaListener(queue = "no spaces allowed")
		void handle(String payload) {
		}

	}

	static class ListenerOnUndeclaredQueue {

		@FilaListener(queue = "undeclared")
		void handle(String payload) {
		}

	}

	static String unique() {
		return UUID.randomUUID().toString();
	}

	@Test
	void springBootsApplicationTaskExecutorStaysWhateverTheOrderOfAutoConfigurations() {
		for (AutoConfigurations order : List.of(
				AutoConfigurations.of(FilaAutoConfiguration.class,
						org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration.class),
				AutoConfigurations.of(org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration.class,
						FilaAutoConfiguration.class))) {
			new ApplicationContextRunner().withConfiguration(order)
				.run((context) -> assertThat(context).hasBean("applicationTaskExecutor").hasBean("filaWorkerExecutor"));
		}
	}

}
