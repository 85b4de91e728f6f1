package dev.fila.lua;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.compiler.LuaC;

import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

import dev.fila.core.FilaConfigurationException;

/**
 * A Lua script compiled once, at start-up, from a resource location or inline text. The
 * compiled prototype is immutable and shared; each thread runs it in its own sandbox.
 *
 * @param name the chunk name used in Lua error messages (resource location or property)
 * @param prototype the compiled script
 */
record LuaScript(String name, Prototype prototype) {

	private static final Pattern LOCATION = Pattern.compile("^(classpath\\*?|file|https?|jar):\\S+$|^\\S+\\.lua$");

	/**
	 * Compiles a script.
	 * @param value a resource location ({@code classpath:...}, {@code file:...}) or inline Lua text
	 * @param property the property it was configured under, for error messages
	 * @param resourceLoader loads resource locations
	 * @return the compiled script
	 * @throws FilaConfigurationException when the resource is missing or the script does not compile
	 */
	static LuaScript compile(String value, String property, ResourceLoader resourceLoader) {
		String trimmed = value.strip();
		boolean location = isLocation(trimmed);
		String name = location ? trimmed : property;
		String source = location ? read(trimmed, property, resourceLoader) : value;
		Globals compiler = new Globals();
		LuaC.install(compiler);
		try {
			return new LuaScript(name, compiler.compilePrototype(new StringReader(source), "@" + name));
		}
		catch (LuaError | IOException ex) {
			throw new FilaConfigurationException(property, location ? trimmed : "(inline script)",
					"a Lua script that compiles; " + name + " does not: " + ex.getMessage(), ex);
		}
	}

	/**
	 * @param value a resource location or inline Lua text
	 * @param property the property it was configured under, for error messages
	 * @param resourceLoader loads resource locations
	 * @return the script's text: what a resource holds, or the inline text
	 * @throws FilaConfigurationException when the resource is missing
	 */
	static String text(String value, String property, ResourceLoader resourceLoader) {
		String trimmed = value.strip();
		return isLocation(trimmed) ? read(trimmed, property, resourceLoader) : value;
	}

	private static boolean isLocation(String trimmed) {
		return !trimmed.contains("\n") && LOCATION.matcher(trimmed).matches();
	}

	private static String read(String location, String property, ResourceLoader resourceLoader) {
		Resource resource = resourceLoader.getResource(location);
		if (!resource.exists()) {
			throw new FilaConfigurationException(property, location, "the location of an existing Lua script resource");
		}
		try (InputStream in = resource.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new FilaConfigurationException(property, location, "a readable Lua script resource", ex);
		}
	}

}
