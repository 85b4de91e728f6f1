package dev.fila.driver.amqp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * The local 3-node RabbitMQ cluster of {@code scripts/clusters.sh} (nodes fila-a, fila-b and
 * fila-c@localhost on AMQP 127.0.0.1:5681-5683), reached the way an application reaches it:
 * Spring Boot's {@code spring.rabbitmq.addresses}. Also runs the script (start, kill,
 * rabbitmqctl) and reads the queues a prefix owns on the cluster.
 */
final class AmqpClusterSupport {

	/** Every node, for {@code spring.rabbitmq.addresses}. */
	static final String ADDRESSES = "127.0.0.1:5681,127.0.0.1:5682,127.0.0.1:5683";

	static final List<String> NODES = List.of("fila-a@localhost", "fila-b@localhost", "fila-c@localhost");

	/** Spring Boot's properties for the cluster (guest may connect over loopback). */
	static final String[] BOOT_PROPERTIES = { "spring.rabbitmq.addresses=" + ADDRESSES,
			"spring.rabbitmq.username=guest", "spring.rabbitmq.password=guest" };

	private static final Map<Integer, String> NODE_BY_PORT = Map.of(5681, "fila-a", 5682, "fila-b", 5683, "fila-c");

	/** A RabbitMQ queue as {@code rabbitmqctl list_queues name type members online} shows it. */
	record RabbitQueue(String name, String type, List<String> members, List<String> online) {
	}

	/** What a run of {@code scripts/clusters.sh} printed and returned. */
	record ScriptRun(int exitCode, String output) {
	}

	private AmqpClusterSupport() {
	}

	/** Spring Boot's RabbitMQ auto-configuration on the cluster; the caller closes the context. */
	static AnnotationConfigApplicationContext boot() {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		TestPropertyValues.of(BOOT_PROPERTIES).applyTo(context);
		context.register(RabbitAutoConfiguration.class);
		context.refresh();
		return context;
	}

	/** An AMQP driver with {@code quorum: true} and the key shards configuration then defaults to. */
	static AmqpDriver quorumDriver(ObjectProvider<ConnectionFactory> connectionFactory, String prefix) {
		return quorumDriver(connectionFactory, prefix, AmqpDriverOptions.defaultKeyShards(true));
	}

	/** An AMQP driver with {@code quorum: true} and {@code keyShards} key shards. */
	static AmqpDriver quorumDriver(ObjectProvider<ConnectionFactory> connectionFactory, String prefix, int keyShards) {
		return new AmqpDriver("amqp", connectionFactory.getObject(),
				AmqpDriverOptions.DEFAULTS.withPrefix(prefix).withQuorum(true).withKeyShards(keyShards));
	}

	/** The node (fila-a, fila-b or fila-c) a connection factory's connection is open to. */
	static String connectedNode(ConnectionFactory connectionFactory) {
		int port = connectionFactory.createConnection().getDelegate().getPort();
		String node = NODE_BY_PORT.get(port);
		if (node == null) {
			throw new IllegalStateException("connected to port " + port + ", not to a node of the test cluster");
		}
		return node;
	}

	/** Every queue on the cluster whose name starts with the prefix and a colon (see AmqpNames). */
	static List<RabbitQueue> queues(String node, String prefix) {
		ScriptRun run = clusters("rabbitmqctl", node, "-q", "list_queues", "--no-table-headers", "name", "type",
				"members", "online");
		if (run.exitCode() != 0) {
			throw new IllegalStateException("rabbitmqctl list_queues failed: " + run.output());
		}
		List<RabbitQueue> queues = new ArrayList<>();
		for (String line : run.output().split("\n")) {
			String[] columns = line.split("\t");
			if (columns.length == 4 && columns[0].startsWith(prefix + ":")) {
				queues.add(new RabbitQueue(columns[0], columns[1], nodes(columns[2]), nodes(columns[3])));
			}
		}
		return queues;
	}

	private static List<String> nodes(String list) {
		String inner = list.replaceAll("[\\[\\]\\s]", "");
		return inner.isEmpty() ? List.of() : Arrays.asList(inner.split(","));
	}

	/** Runs {@code scripts/clusters.sh} with the arguments and waits for it (up to 5 minutes). */
	static ScriptRun clusters(String... arguments) {
		List<String> command = new ArrayList<>(List.of("bash", script().toString()));
		command.addAll(List.of(arguments));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(5, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException("scripts/clusters.sh " + arguments[0] + " did not finish: " + output);
			}
			return new ScriptRun(process.exitValue(), output);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Path script() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path script = dir.resolve("scripts/clusters.sh");
			if (Files.isRegularFile(script)) {
				return script;
			}
		}
		throw new IllegalStateException("scripts/clusters.sh not found above " + Path.of("").toAbsolutePath());
	}

}
