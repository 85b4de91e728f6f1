package dev.fila.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import dev.fila.core.FilaException;
import dev.fila.core.QueueNotFoundException;

/**
 * The dashboard's HTTP surface under its path {@code P} (Spring MVC functional routes):
 * <ul>
 * <li>{@code GET P}, {@code GET P/}: the page; {@code GET P/assets/app.js}, {@code app.css};</li>
 * <li>{@code GET P/api/overview}, {@code GET P/api/queues/{queue}} ({@code ?top=n}),
 * {@code GET P/api/queues/{queue}/dead-letters} ({@code ?limit=n}): JSON;</li>
 * <li>{@code POST P/api/queues/{queue}/actions} with {@code {action, key?, count?, value?}},
 * {@code POST P/api/throttles/{key}} with {@code {rate, burst?}},
 * {@code POST P/api/config/{key}} with {@code {value}}: the actions. When read-only, every POST
 * under {@code P} answers 403.</li>
 * </ul>
 * Errors are JSON {@code {"error": "..."}}: 400 for a bad request, 404 for an unknown queue,
 * 503 when a broker fails. Every action is logged at INFO with who asked.
 */
public class DashboardRoutes {

	/** The largest request body accepted, in bytes. */
	public static final int MAX_BODY = 1024 * 1024;

	private static final Logger logger = LoggerFactory.getLogger(DashboardRoutes.class);

	private static final MediaType HTML = new MediaType("text", "html", StandardCharsets.UTF_8);

	private static final MediaType JAVASCRIPT = new MediaType("text", "javascript", StandardCharsets.UTF_8);

	private static final MediaType CSS = new MediaType("text", "css", StandardCharsets.UTF_8);

	private static final String CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";

	/** The page runs only its own script and styles and talks only to its own origin. */
	private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

	private final String path;

	private final boolean readOnly;

	private final DashboardReader reader;

	private final DashboardActions actions;

	private final DashboardPage page = new DashboardPage();

	/**
	 * @param path the dashboard's path, validated (starts with {@code /}, no trailing {@code /})
	 * @param readOnly whether every action answers 403
	 * @param reader what the page shows
	 * @param actions what the page does
	 */
	public DashboardRoutes(String path, boolean readOnly, DashboardReader reader, DashboardActions actions) {
		this.path = path;
		this.readOnly = readOnly;
		this.reader = reader;
		this.actions = actions;
	}

	/** @return the routes, to register as a bean */
	public RouterFunction<ServerResponse> routerFunction() {
		String p = this.path;
		return RouterFunctions.route()
			.GET(p, this::page)
			.GET(p + "/", this::page)
			.GET(p + "/assets/app.js", (request) -> asset(request, this.page.script(), JAVASCRIPT))
			.GET(p + "/assets/app.css", (request) -> asset(request, this.page.styles(), CSS))
			.GET(p + "/api/overview", (request) -> json(HttpStatus.OK, this.reader.overview(this.readOnly)))
			.GET(p + "/api/queues/{queue}", this::queue)
			.GET(p + "/api/queues/{queue}/dead-letters", this::deadLetters)
			.POST(p + "/api/queues/{queue}/actions", this::queueAction)
			.POST(p + "/api/throttles/{key}", this::throttle)
			.POST(p + "/api/config/{key}", this::config)
			.POST(p, (request) -> error(HttpStatus.NOT_FOUND, "No action here"))
			.POST(p + "/**", (request) -> error(HttpStatus.NOT_FOUND, "No action here"))
			.filter((request, next) -> (this.readOnly && HttpMethod.POST.equals(request.method()))
					? error(HttpStatus.FORBIDDEN,
							"The Fila dashboard is read-only: set fila.dashboard.read-only=false to allow actions")
					: next.handle(request))
			.onError(Exception.class, this::failure)
			.build();
	}

	private ServerResponse page(ServerRequest request) {
		String base = request.requestPath().contextPath().value() + this.path;
		return ServerResponse.ok()
			.contentType(HTML)
			.cacheControl(CacheControl.noStore())
			.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header(CONTENT_TYPE_OPTIONS, "nosniff")
			.header("Referrer-Policy", "no-referrer")
			.body(this.page.render(base, this.readOnly, request.servletRequest()).getBytes(StandardCharsets.UTF_8));
	}

	private static ServerResponse asset(ServerRequest request, DashboardPage.Asset asset, MediaType type) {
		return request.checkNotModified(asset.etag())
			.orElseGet(() -> ServerResponse.ok()
				.contentType(type)
				.eTag(asset.etag())
				.cacheControl(CacheControl.noCache())
				.header(CONTENT_TYPE_OPTIONS, "nosniff")
				.body(asset.content()));
	}

	private ServerResponse queue(ServerRequest request) {
		String queue = request.pathVariable("queue");
		int top = intParam(request, "top", DashboardReader.DEFAULT_TOP);
		DashboardReader.QueueDetail detail = this.reader.queue(queue, top);
		return (detail != null) ? json(HttpStatus.OK, detail) : noQueue(queue);
	}

	private ServerResponse deadLetters(ServerRequest request) {
		String queue = request.pathVariable("queue");
		int limit = intParam(request, "limit", DashboardReader.DEFAULT_DEAD_LETTERS);
		Object deadLetters = this.reader.deadLetters(queue, limit);
		return (deadLetters != null) ? json(HttpStatus.OK, deadLetters) : noQueue(queue);
	}

	private ServerResponse queueAction(ServerRequest request) throws IOException {
		String queue = request.pathVariable("queue");
		JsonNode body = body(request);
		String action = text(body, "action");
		if (action == null) {
			throw new IllegalArgumentException("The body needs an \"action\": one of "
					+ String.join(", ", DashboardActions.QUEUE_ACTIONS));
		}
		String key = text(body, "key");
		JsonNode count = body.get("count");
		if (count != null && !count.isNull() && !count.canConvertToInt()) {
			throw new IllegalArgumentException("\"count\" must be an integer");
		}
		DashboardActions.Result result = this.actions.queueAction(queue, action, key,
				(count != null && !count.isNull()) ? count.asInt() : null, text(body, "value"));
		audit(request, result);
		return json(HttpStatus.OK, result);
	}

	private ServerResponse throttle(ServerRequest request) throws IOException {
		JsonNode body = body(request);
		JsonNode rate = body.get("rate");
		if (rate == null || !rate.isNumber()) {
			throw new IllegalArgumentException("The body needs a \"rate\": permits per second");
		}
		JsonNode burst = body.get("burst");
		if (burst != null && !burst.isNull() && !burst.canConvertToLong()) {
			throw new IllegalArgumentException("\"burst\" must be an integer");
		}
		DashboardActions.Result result = this.actions.throttle(request.pathVariable("key"), rate.asDouble(),
				(burst != null && !burst.isNull()) ? burst.asLong() : null);
		audit(request, result);
		return json(HttpStatus.OK, result);
	}

	private ServerResponse config(ServerRequest request) throws IOException {
		String value = text(body(request), "value");
		if (value == null) {
			throw new IllegalArgumentException("The body needs a \"value\"");
		}
		DashboardActions.Result result = this.actions.config(request.pathVariable("key"), value);
		audit(request, result);
		return json(HttpStatus.OK, result);
	}

	private static JsonNode body(ServerRequest request) throws IOException {
		byte[] bytes;
		try (InputStream in = request.servletRequest().getInputStream()) {
			bytes = in.readNBytes(MAX_BODY + 1);
		}
		if (bytes.length > MAX_BODY) {
			throw new IllegalArgumentException("The body is larger than " + MAX_BODY + " bytes");
		}
		JsonNode body;
		try {
			body = DashboardJson.read(bytes);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("The body must be a JSON object");
		}
		if (body == null || !body.isObject()) {
			throw new IllegalArgumentException("The body must be a JSON object");
		}
		return body;
	}

	private static @Nullable String text(JsonNode body, String field) {
		JsonNode node = body.get(field);
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isValueNode()) {
			throw new IllegalArgumentException("\"" + field + "\" must be a string or a number");
		}
		return node.asString();
	}

	private static int intParam(ServerRequest request, String name, int defaultValue) {
		String value = request.param(name).orElse(null);
		if (value == null || value.isBlank()) {
			return defaultValue;
		}
		try {
			return Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + name + "' must be an integer");
		}
	}

	private static void audit(ServerRequest request, DashboardActions.Result result) {
		if (logger.isInfoEnabled()) {
			String who = request.principal()
				.map((principal) -> "user '" + loggable(principal.getName()) + "'")
				.orElseGet(() -> "address " + request.servletRequest().getRemoteAddr());
			logger.info("Fila dashboard: {} on '{}'{}{} by {}", result.action(), loggable(result.target()),
					(result.key() != null) ? " key '" + loggable(result.key()) + "'" : "",
					(result.value() != null) ? " = '" + loggable(result.value()) + "'" : "", who);
		}
	}

	/** A value for one log line: control characters replaced, at most 200 characters. */
	private static String loggable(String value) {
		String cut = (value.length() > 200) ? value.substring(0, 200) + "\u2026" : value;
		StringBuilder loggable = new StringBuilder(cut.length());
		cut.codePoints().forEach((c) -> loggable.appendCodePoint(Character.isISOControl(c) ? '?' : c));
		return loggable.toString();
	}

	private ServerResponse failure(Throwable ex, ServerRequest request) {
		if (ex instanceof QueueNotFoundException) {
			return error(HttpStatus.NOT_FOUND, message(ex));
		}
		if (ex instanceof InvalidEndpointRequestException invalid) {
			boolean unknownQueue = "Unknown queue".equals(invalid.getReason());
			return error(unknownQueue ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, message(ex));
		}
		if (ex instanceof IllegalArgumentException || ex instanceof UnsupportedOperationException) {
			return error(HttpStatus.BAD_REQUEST, message(ex));
		}
		if (ex instanceof FilaException) {
			logger.warn("Fila dashboard: {} {} failed: {}", request.method(), request.path(), ex.toString());
			return error(HttpStatus.SERVICE_UNAVAILABLE, message(ex));
		}
		logger.warn("Fila dashboard: {} {} failed", request.method(), request.path(), ex);
		return error(HttpStatus.INTERNAL_SERVER_ERROR, "The dashboard failed: see the application's log");
	}

	private static String message(Throwable ex) {
		return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

	private static ServerResponse noQueue(String queue) {
		return error(HttpStatus.NOT_FOUND, "No queue '" + queue + "'");
	}

	private static ServerResponse error(HttpStatus status, String message) {
		return json(status, Map.of("error", message));
	}

	private static ServerResponse json(HttpStatus status, Object body) {
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_JSON)
			.cacheControl(CacheControl.noStore())
			.header(CONTENT_TYPE_OPTIONS, "nosniff")
			.body(DashboardJson.write(body));
	}

}
