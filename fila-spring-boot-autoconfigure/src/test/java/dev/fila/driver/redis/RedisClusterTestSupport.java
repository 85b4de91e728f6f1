package dev.fila.driver.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/**
 * Connections to the local Redis Cluster that {@code scripts/clusters.sh start} runs on
 * 127.0.0.1:7001-7006 (3 masters, 3 replicas), for the {@code *ClusterIntegrationTests}.
 */
final class RedisClusterTestSupport {

	static final List<String> NODES = List.of("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003",
			"127.0.0.1:7004", "127.0.0.1:7005", "127.0.0.1:7006");

	private RedisClusterTestSupport() {
	}

	static LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisClusterConfiguration(NODES));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** Deletes every key under the prefix, on every master. */
	static void deleteKeys(LettuceConnectionFactory factory, String prefix) {
		try (RedisClusterConnection connection = factory.getClusterConnection()) {
			for (RedisClusterNode node : connection.clusterGetNodes()) {
				if (!node.isMaster() || !node.isConnected()) {
					continue;
				}
				for (byte[] key : keysOn(connection, node, prefix)) {
					connection.keyCommands().del(key);
				}
			}
		}
	}

	/** @return how many keys under the prefix exist across the masters */
	static long countKeys(LettuceConnectionFactory factory, String prefix) {
		long count = 0;
		try (RedisClusterConnection connection = factory.getClusterConnection()) {
			for (RedisClusterNode node : connection.clusterGetNodes()) {
				if (node.isMaster() && node.isConnected()) {
					count += keysOn(connection, node, prefix).size();
				}
			}
		}
		return count;
	}

	/** @return the port of the master that serves the key's slot */
	static int masterPortOf(LettuceConnectionFactory factory, String key) {
		try (RedisClusterConnection connection = factory.getClusterConnection()) {
			return connection.clusterGetNodeForKey(key.getBytes(StandardCharsets.UTF_8)).getRequiredPort();
		}
	}

	/** @return the sharded pub/sub channels matching the pattern that have subscribers on one node */
	static List<String> shardChannelsOn(int port, String pattern) throws IOException, InterruptedException {
		return redisCli(port, "pubsub", "shardchannels", pattern);
	}

	/** @return the process id of the node on the port (for SIGKILL / SIGSTOP in fault tests) */
	static long pidOf(int port) throws IOException, InterruptedException {
		String line = redisCli(port, "info", "server").stream()
			.filter((candidate) -> candidate.startsWith("process_id:"))
			.findFirst()
			.orElseThrow();
		return Long.parseLong(line.substring("process_id:".length()));
	}

	/** @return the non-empty lines redis-cli printed for the command on one node */
	private static List<String> redisCli(int port, String... command) throws IOException, InterruptedException {
		List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
		args.addAll(List.of(command));
		Process cli = new ProcessBuilder(args).redirectErrorStream(true).start();
		String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		cli.waitFor();
		return out.lines().map(String::trim).filter((line) -> !line.isEmpty()).toList();
	}

	private static List<byte[]> keysOn(RedisClusterConnection connection, RedisClusterNode node, String prefix) {
		List<byte[]> keys = new ArrayList<>();
		try (Cursor<byte[]> cursor = connection.scan(node,
				ScanOptions.scanOptions().match(prefix + ":*").count(1000).build())) {
			cursor.forEachRemaining(keys::add);
		}
		return keys;
	}

}
