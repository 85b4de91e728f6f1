package dev.fila.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.core.io.ClassPathResource;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.util.HtmlUtils;

/**
 * The page and its assets, read from the jar once. The page is a template with four values,
 * each HTML-escaped: the dashboard's base URL, whether it is read-only, the assets' version (for
 * caches) and, when Spring Security put a CSRF token in the request, two {@code meta} tags with
 * the header name and the token that the page's script sends with every POST. The token is read
 * by name ({@code _csrf}) and reflection, so the dashboard has no dependency on Spring Security.
 */
final class DashboardPage {

	/** Where the page and its assets are in the jar. */
	static final String LOCATION = "dev/fila/dashboard/static/";

	/** The request attributes Spring Security puts its CSRF token under. */
	private static final String[] CSRF_ATTRIBUTES = { "_csrf", "org.springframework.security.web.csrf.CsrfToken" };

	private final String template;

	private final Asset script;

	private final Asset styles;

	DashboardPage() {
		this.template = new String(read("index.html"), StandardCharsets.UTF_8);
		this.script = new Asset(read("assets/app.js"));
		this.styles = new Asset(read("assets/app.css"));
	}

	Asset script() {
		return this.script;
	}

	Asset styles() {
		return this.styles;
	}

	/**
	 * @param base the dashboard's URL path, context path included
	 * @param readOnly whether actions are off
	 * @param request the request, for its CSRF token
	 * @return the page
	 */
	String render(String base, boolean readOnly, HttpServletRequest request) {
		return this.template.replace("{{base}}", HtmlUtils.htmlEscape(base))
			.replace("{{readOnly}}", Boolean.toString(readOnly))
			.replace("{{version}}", this.script.etag().replace("\"", "") + this.styles.etag().replace("\"", ""))
			.replace("{{csrf}}", csrfMeta(request));
	}

	private static String csrfMeta(HttpServletRequest request) {
		for (String attribute : CSRF_ATTRIBUTES) {
			Object token = request.getAttribute(attribute);
			if (token != null) {
				String header = call(token, "getHeaderName");
				String value = call(token, "getToken");
				if (header != null && value != null) {
					return "<meta name=\"fila-csrf-header\" content=\"" + HtmlUtils.htmlEscape(header) + "\">\n"
							+ "  <meta name=\"fila-csrf-token\" content=\"" + HtmlUtils.htmlEscape(value) + "\">";
				}
			}
		}
		return "";
	}

	private static @Nullable String call(Object target, String name) {
		Method method = ReflectionUtils.findMethod(target.getClass(), name);
		if (method == null || method.getParameterCount() != 0) {
			return null;
		}
		// Spring Security's token classes may be package-private: call the public interface's method.
		method = ClassUtils.getPubliclyAccessibleMethodIfPossible(method, target.getClass());
		try {
			Object value = method.invoke(target);
			return (value != null) ? value.toString() : null;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

	private static byte[] read(String name) {
		try (InputStream in = new ClassPathResource(LOCATION + name, DashboardPage.class.getClassLoader())
			.getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The dashboard's " + name + " is missing from its jar", ex);
		}
	}

	/**
	 * A static asset with its entity tag.
	 *
	 * @param content its bytes
	 * @param etag a strong entity tag of its content
	 */
	record Asset(byte[] content, String etag) {

		Asset(byte[] content) {
			this(content, "\"" + sha256(content).substring(0, 16) + "\"");
		}

		private static String sha256(byte[] content) {
			try {
				return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
