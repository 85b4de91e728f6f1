package dev.fila.driver.redis;

import java.util.function.Function;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.fila.core.FilaException;

/**
 * Runs the driver's Redis calls on pooled connections, and makes every Redis failure the
 * {@link FilaException} callers of a driver expect.
 */
final class RedisConnections {

	private final String driverName;

	private final RedisConnectionFactory connectionFactory;

	RedisConnections(String driverName, RedisConnectionFactory connectionFactory) {
		this.driverName = driverName;
		this.connectionFactory = connectionFactory;
	}

	/**
	 * Runs an operation on a pooled connection.
	 * @throws FilaException for every Redis failure (a refused connection, a timeout, an error
	 * reply), with Spring's exception as the cause
	 */
	<T> T execute(Function<RedisConnection, T> operation) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return operation.apply(connection);
		}
		catch (DataAccessException ex) {
			throw new FilaException("Redis driver '" + this.driverName + "' failed: " + ex.getMessage(), ex);
		}
	}

	/** @return whether a script failed because its queue is not in Redis (its {@code NOQUEUE} error) */
	static boolean isNoQueue(Throwable ex) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (current.getMessage() != null && current.getMessage().contains("NOQUEUE")) {
				return true;
			}
		}
		return false;
	}

}
