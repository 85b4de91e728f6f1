package dev.fila.driver.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;

/**
 * One server-side script: the shared {@code common.lua} prelude, the libraries it names (such as
 * {@code schedule.lua}, the scheduler that fetch and enqueue share) and its own body, called by
 * SHA with {@code EVALSHA} and loaded again when Redis answers {@code NOSCRIPT} (after a
 * restart or {@code SCRIPT FLUSH}).
 */
final class RedisScripts {

	private final String name;

	private final byte[] source;

	private final String sha;

	private RedisScripts(String name, byte[] source) {
		this.name = name;
		this.source = source;
		this.sha = sha1(source);
	}

	/**
	 * @param name the script, {@code <name>.lua}
	 * @param libraries files of functions it uses beyond {@code common.lua}, without {@code .lua}
	 * @return the script
	 */
	static RedisScripts load(String name, String... libraries) {
		StringBuilder source = new StringBuilder(read("common.lua")).append('\n');
		for (String library : libraries) {
			source.append(read(library + ".lua")).append('\n');
		}
		source.append(read(name + ".lua"));
		return new RedisScripts(name, source.toString().getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Runs the script.
	 * @param connection the connection
	 * @param returnType the expected reply type
	 * @param keyAndArgs the routing key (the queue's counter hash) followed by the arguments
	 * @param <T> the reply type
	 * @return the reply
	 */
	<T> T run(RedisConnection connection, ReturnType returnType, byte[]... keyAndArgs) {
		try {
			return connection.scriptingCommands().evalSha(this.sha, returnType, 1, keyAndArgs);
		}
		catch (DataAccessException ex) {
			if (!isNoScript(ex)) {
				throw ex;
			}
			connection.scriptingCommands().scriptLoad(this.source);
			return connection.scriptingCommands().evalSha(this.sha, returnType, 1, keyAndArgs);
		}
	}

	String name() {
		return this.name;
	}

	private static boolean isNoScript(Throwable ex) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			String message = current.getMessage();
			if (message != null && message.toUpperCase(Locale.ROOT).contains("NOSCRIPT")) {
				return true;
			}
		}
		return false;
	}

	private static String read(String file) {
		try (InputStream in = new ClassPathResource("dev/fila/driver/redis/" + file).getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Missing Redis script " + file, ex);
		}
	}

	private static String sha1(byte[] source) {
		try {
			java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-1");
			StringBuilder hex = new StringBuilder();
			for (byte b : digest.digest(source)) {
				hex.append(String.format("%02x", b));
			}
			return hex.toString();
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
