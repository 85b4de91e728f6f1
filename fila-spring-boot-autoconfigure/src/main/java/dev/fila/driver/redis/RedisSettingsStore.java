package dev.fila.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;

import dev.fila.config.Setting;
import dev.fila.config.SettingsStore;
import dev.fila.core.FilaException;

/**
 * Settings in one Redis hash, {@code P:settings}: field {@code <namespace>/<key>}, value the
 * origin ({@code c} configured, {@code r} run time), a colon and the value; field
 * {@code ~version} counts the changes. One key, so a change and its version move together
 * (one script call, one slot on Redis Cluster), and a poll is one {@code HGET}.
 */
final class RedisSettingsStore implements SettingsStore {

	private static final byte[] VERSION_FIELD = bytes("~version");

	/** Sets or deletes a field and counts the change, atomically. */
	private static final byte[] PUT_SCRIPT = bytes("""
			if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
			else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
			return redis.call('HINCRBY', KEYS[1], '~version', 1)""");

	private final RedisConnectionFactory connectionFactory;

	private final byte[] key;

	private final String description;

	RedisSettingsStore(RedisConnectionFactory connectionFactory, String keyPrefix, String driverName) {
		this.connectionFactory = connectionFactory;
		this.key = bytes(keyPrefix + ":settings");
		this.description = "Redis (driver '" + driverName + "', key " + keyPrefix + ":settings)";
	}

	@Override
	public Map<String, Setting> load(String namespace) {
		Map<byte[], byte[]> fields = execute((connection) -> connection.hashCommands().hGetAll(this.key));
		String start = namespace + "/";
		Map<String, Setting> settings = new HashMap<>();
		if (fields != null) {
			fields.forEach((field, value) -> {
				String name = string(field);
				if (name.startsWith(start)) {
					Setting setting = decode(string(value));
					if (setting != null) {
						settings.put(name.substring(start.length()), setting);
					}
				}
			});
		}
		return settings;
	}

	@Override
	public void put(String namespace, String key, @Nullable Setting setting) {
		byte[] value = (setting != null) ? bytes(encode(setting)) : new byte[0];
		execute((connection) -> connection.scriptingCommands()
			.eval(PUT_SCRIPT, ReturnType.INTEGER, 1, this.key, bytes(namespace + "/" + key), value));
	}

	@Override
	public long version() {
		byte[] version = execute((connection) -> connection.hashCommands().hGet(this.key, VERSION_FIELD));
		return (version != null) ? Long.parseLong(string(version)) : 0;
	}

	@Override
	public String describe() {
		return this.description;
	}

	static String encode(Setting setting) {
		return ((setting.origin() == Setting.Origin.RUNTIME) ? "r:" : "c:") + setting.value();
	}

	/** @return the setting, or {@code null} for a value this version does not know */
	static @Nullable Setting decode(String stored) {
		if (stored.startsWith("r:")) {
			return Setting.runtime(stored.substring(2));
		}
		if (stored.startsWith("c:")) {
			return Setting.configured(stored.substring(2));
		}
		return null;
	}

	private <T> @Nullable T execute(Function<RedisConnection, @Nullable T> operation) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return operation.apply(connection);
		}
		catch (DataAccessException ex) {
			throw new FilaException("Reading or writing Fila settings in " + this.description + " failed: "
					+ ex.getMessage(), ex);
		}
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static String string(byte[] value) {
		return new String(value, StandardCharsets.UTF_8);
	}

}
