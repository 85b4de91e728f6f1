package dev.fila.driver.redis;

import java.util.Properties;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.fila.core.FilaConfigurationException;
import dev.fila.core.FilaException;

/**
 * The oldest Redis the driver runs on: 6.2 for a single node (the scripts use commands and
 * arguments from 6.2), 7.0 for Redis Cluster (queue notifications use sharded Pub/Sub,
 * {@code SSUBSCRIBE}). Checked once when the driver starts; an unreachable Redis is not a
 * configuration error, so then the check is skipped with a warning.
 */
final class RedisVersion {

	private static final Logger logger = LoggerFactory.getLogger(RedisVersion.class);

	static final int[] SINGLE_NODE = { 6, 2 };

	static final int[] CLUSTER = { 7, 0 };

	private RedisVersion() {
	}

	/**
	 * @throws FilaConfigurationException when Redis is older than the driver needs
	 */
	static void check(String driverName, RedisConnections connections, boolean cluster) {
		String version;
		try {
			Properties info = connections.execute((connection) -> connection.serverCommands().info("server"));
			version = (info != null) ? info.getProperty("redis_version") : null;
		}
		catch (FilaException ex) {
			logger.warn("Driver '{}': could not read the Redis version ({}); it needs Redis {} or later", driverName,
					ex.getMessage(), describe(cluster ? CLUSTER : SINGLE_NODE));
			return;
		}
		String problem = problem(version, cluster);
		if (problem != null) {
			throw new FilaConfigurationException("fila.drivers." + driverName + ".type", "redis", problem);
		}
	}

	/**
	 * @param version Redis's {@code redis_version}, {@code null} when it did not say
	 * @param cluster whether it is Redis Cluster
	 * @return what is wrong, or {@code null} when the version will do
	 */
	static @Nullable String problem(@Nullable String version, boolean cluster) {
		int[] needed = cluster ? CLUSTER : SINGLE_NODE;
		int[] found = parse(version);
		if (found == null) {
			return null; // a server that does not say (a proxy, a fork): given the benefit of the doubt
		}
		if (found[0] > needed[0] || (found[0] == needed[0] && found[1] >= needed[1])) {
			return null;
		}
		return "a Redis " + (cluster ? "Cluster " : "") + describe(needed) + " or later; this one is " + version;
	}

	private static int @Nullable [] parse(@Nullable String version) {
		if (version == null) {
			return null;
		}
		String[] parts = version.trim().split("\\.");
		try {
			return new int[] { Integer.parseInt(parts[0]), (parts.length > 1) ? Integer.parseInt(parts[1]) : 0 };
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static String describe(int[] version) {
		return version[0] + "." + version[1];
	}

}
