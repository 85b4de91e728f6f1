package dev.fila.dashboard;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaTemplate;
import dev.fila.core.KeyStats;
import dev.fila.dashboard.autoconfigure.FilaDashboardAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * The page, its assets and its JSON API through Spring MVC (MockMvc, no port) on the memory
 * driver.
 */
class FilaDashboardWebTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final String HOSTILE = "<script>alert('x')</script>&\"\u2028";

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
				WebMvcAutoConfiguration.class, FilaAutoConfiguration.class, FilaDashboardAutoConfiguration.class))
		.withPropertyValues(
				"fila.queues.jobs.on-enqueue=function on_enqueue(msg) return { fairness_key = msg.headers.tenant } end",
				"fila.queues.jobs.retry.max-attempts=1");

	@Test
	void theReadOnlyPageHasNoAction() {
		run((context, mvc) -> {
			MockHttpServletResponse page = send(mvc, get("/fila"));
			assertThat(page.getStatus()).isEqualTo(200);
			assertThat(page.getContentType()).startsWith("text/html");
			assertThat(page.getHeader("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self'");
			assertThat(page.getHeader("Cache-Control")).contains("no-store");
			String html = page.getContentAsString();
			assertThat(html).contains("<main id=\"fila-dashboard\" data-read-only=\"true\" data-base=\"/fila\">",
					"src=\"/fila/assets/app.js?v=", "href=\"/fila/assets/app.css?v=")
				.doesNotContain("data-action", "{{", "fila-csrf", "http://", "https://");
			assertThat(send(mvc, get("/fila/")).getContentAsString()).isEqualTo(html);
		});
	}

	@Test
	void assetsShipInTheJarWithEntityTags() {
		run((context, mvc) -> {
			MockHttpServletResponse script = send(mvc, get("/fila/assets/app.js"));
			assertThat(script.getStatus()).isEqualTo(200);
			assertThat(script.getContentType()).startsWith("text/javascript");
			String etag = script.getHeader("ETag");
			assertThat(etag).isNotBlank();
			assertThat(send(mvc, get("/fila/assets/app.js").header("If-None-Match", etag)).getStatus()).isEqualTo(304);
			// Data reaches the DOM as text only, and nothing comes from elsewhere.
			assertThat(script.getContentAsString().replace("'http://www.w3.org/2000/svg'", "SVG_NS"))
				.contains("textContent", "rates-chart")
				.doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "http://",
						"https://");
			MockHttpServletResponse styles = send(mvc, get("/fila/assets/app.css"));
			assertThat(styles.getStatus()).isEqualTo(200);
			assertThat(styles.getContentType()).startsWith("text/css");
			assertThat(styles.getContentAsString()).doesNotContain("@import", "url(", "http");
		});
	}

	@Test
	void overviewListsQueuesThrottlesConfigAndDrivers() {
		run((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			FilaAdmin admin = context.getBean(FilaAdmin.class);
			for (int i = 0; i < 3; i++) {
				template.enqueue("jobs", Map.of("tenant", "acme"), "job " + i);
			}
			admin.setThrottle("stripe", 5, 10);
			admin.setConfig("weight.acme", "2");
			JsonNode overview = body(send(mvc, get("/fila/api/overview")));
			assertThat(overview.get("readOnly").asBoolean()).isTrue();
			JsonNode jobs = find(overview.get("queues"), "name", "jobs");
			assertThat(jobs.get("driver").asString()).isEqualTo("memory");
			assertThat(jobs.get("pending").asLong()).isEqualTo(3);
			assertThat(jobs.get("inFlight").asLong()).isZero();
			assertThat(jobs.get("delayed").asLong()).isZero();
			assertThat(jobs.get("deadLettered").asLong()).isZero();
			assertThat(jobs.get("consumers").asInt()).isZero();
			assertThat(jobs.get("busyWorkers").asInt()).isZero();
			assertThat(jobs.get("paused").asBoolean()).isFalse();
			assertThat(jobs.get("rates").isArray()).isTrue();
			JsonNode stripe = find(overview.get("throttles"), "key", "stripe");
			assertThat(stripe.get("rate").asDouble()).isEqualTo(5.0);
			assertThat(stripe.get("burst").asLong()).isEqualTo(10);
			assertThat(stripe.get("available").asDouble()).isBetween(0.0, 10.0);
			assertThat(find(overview.get("config"), "key", "weight.acme").get("value").asString()).isEqualTo("2");
			assertThat(find(overview.get("drivers"), "name", "memory").get("type").asString()).isEqualTo("memory");

			admin.pause("jobs");
			assertThat(find(body(send(mvc, get("/fila/api/overview"))).get("queues"), "name", "jobs").get("paused")
				.asBoolean()).isTrue();
		});
	}

	@Test
	void queueDetailShowsSharesAgesAndWhyKeysWait() {
		run((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			FilaAdmin admin = context.getBean(FilaAdmin.class);
			for (int i = 0; i < 20; i++) {
				template.enqueue("jobs", Map.of("tenant", "noisy"), "n" + i);
			}
			for (int i = 0; i < 4; i++) {
				template.enqueue("jobs", Map.of("tenant", "quiet"), "q" + i);
			}
			for (int i = 0; i < 4; i++) {
				template.receive("jobs", Duration.ofSeconds(1)).orElseThrow().ack();
			}
			admin.pauseKey("jobs", "quiet");
			JsonNode detail = body(send(mvc, get("/fila/api/queues/jobs")));
			assertThat(detail.get("name").asString()).isEqualTo("jobs");
			assertThat(detail.get("paused").asBoolean()).isFalse();
			assertThat(detail.get("peekSupported").asBoolean()).isTrue();
			assertThat(detail.get("deliveredInWindow").asInt()).isEqualTo(4);
			JsonNode noisy = find(detail.get("keys"), "key", "noisy");
			assertThat(noisy.get("pending").asLong()).isEqualTo(18);
			assertThat(noisy.get("deliveredShare").asDouble()).isEqualTo(50.0);
			assertThat(noisy.get("entitledShare").asDouble()).isEqualTo(100.0);
			assertThat(noisy.get("oldestAgeMillis").asLong()).isBetween(0L, 60_000L);
			assertThat(noisy.get("paused").asBoolean()).isFalse();
			// No consumer runs in this application.
			assertThat(noisy.get("waits").asString()).isEqualTo("no consumer");
			JsonNode quiet = find(detail.get("keys"), "key", "quiet");
			assertThat(quiet.get("deliveredShare").asDouble()).isEqualTo(50.0);
			assertThat(quiet.get("entitledShare").asDouble()).isZero();
			assertThat(quiet.get("paused").asBoolean()).isTrue();
			assertThat(quiet.get("waits").asString()).isEqualTo("paused");

			assertThat(body(send(mvc, get("/fila/api/queues/jobs?top=1"))).get("keys").size()).isEqualTo(2);
			assertThat(send(mvc, get("/fila/api/queues/jobs?top=0")).getStatus()).isEqualTo(400);
			assertThat(send(mvc, get("/fila/api/queues/jobs?top=x")).getStatus()).isEqualTo(400);
		});
	}

	@Test
	void unknownQueuesAre404AndNotCreated() {
		run((context, mvc) -> {
			MockHttpServletResponse response = send(mvc, get("/fila/api/queues/nope"));
			assertThat(response.getStatus()).isEqualTo(404);
			assertThat(body(response).get("error").asString()).contains("nope");
			assertThat(send(mvc, get("/fila/api/queues/nope/dead-letters")).getStatus()).isEqualTo(404);
			assertThat(context.getBean(FilaAdmin.class).listQueues()).doesNotContain("nope");
		});
	}

	@Test
	void hostileKeysAndValuesComeBackJsonEncoded() {
		this.contextRunner.withPropertyValues("fila.default-driver=memory", "fila.drivers.memory.type=memory",
				"fila.drivers.memory.memory.max-header-bytes=1MB").run(withMvc((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			String huge = "k".repeat(100_000);
			template.enqueue("jobs", Map.of("tenant", HOSTILE), "x");
			template.enqueue("jobs", Map.of("tenant", huge), "y");
			template.receive("jobs", Duration.ofSeconds(1)).orElseThrow().ack();
			context.getBean(FilaAdmin.class).setConfig(HOSTILE, HOSTILE);
			MockHttpServletResponse response = send(mvc, get("/fila/api/queues/jobs"));
			assertThat(response.getStatus()).isEqualTo(200);
			assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
			String raw = response.getContentAsString(StandardCharsets.UTF_8);
			assertThat(raw).doesNotContain("<", ">", "&", "'", "\u2028").contains("\\u003Cscript\\u003E");
			JsonNode keys = json.readTree(raw).get("keys");
			assertThat(keys.valueStream().map((key) -> key.get("key").asString())).contains(HOSTILE, huge);
			String overview = send(mvc, get("/fila/api/overview")).getContentAsString(StandardCharsets.UTF_8);
			assertThat(overview).doesNotContain("<script>");
			assertThat(find(json.readTree(overview).get("config"), "key", HOSTILE).get("value").asString())
				.isEqualTo(HOSTILE);
		}));
	}

	@Test
	void deadLettersWithTheirError() {
		run((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("jobs", Map.of("tenant", "acme"), "x");
			FilaDelivery delivery = template.receive("jobs", Duration.ofSeconds(1)).orElseThrow();
			delivery.nack("boom <b>" + HOSTILE);
			JsonNode deadLetters = body(send(mvc, get("/fila/api/queues/jobs/dead-letters")));
			assertThat(deadLetters.size()).isEqualTo(1);
			JsonNode deadLetter = deadLetters.get(0);
			assertThat(deadLetter.get("id").asString()).isEqualTo(delivery.id());
			assertThat(deadLetter.get("error").asString()).contains("boom <b>");
			assertThat(deadLetter.get("attempts").asInt()).isEqualTo(1);
			assertThat(deadLetter.get("sourceQueue").asString()).isEqualTo("jobs");
			assertThat(deadLetter.get("fairnessKey").asString()).isEqualTo("acme");
			assertThat(deadLetter.get("enqueuedAt").asString()).endsWith("Z");
			assertThat(body(send(mvc, get("/fila/api/queues/jobs.dlq/dead-letters"))).size()).isEqualTo(1);
			assertThat(find(body(send(mvc, get("/fila/api/overview"))).get("queues"), "name", "jobs")
				.get("deadLettered")
				.asLong()).isEqualTo(1);
		});
	}

	@Test
	void everyPostIsForbiddenWhenReadOnly() {
		run((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			template.enqueue("jobs", Map.of("tenant", "acme"), "x");
			for (String path : new String[] { "/fila/api/queues/jobs/actions", "/fila/api/throttles/stripe",
					"/fila/api/config/k", "/fila/anything", "/fila" }) {
				MockHttpServletResponse response = send(mvc,
						post(path).contentType(MediaType.APPLICATION_JSON)
							.content("{\"action\":\"purge\",\"rate\":1,\"value\":\"v\"}"));
				assertThat(response.getStatus()).as(path).isEqualTo(403);
				assertThat(body(response).get("error").asString()).contains("read-only");
			}
			assertThat(context.getBean(FilaAdmin.class).stats("jobs").pending()).isEqualTo(1);
			assertThat(context.getBean(FilaAdmin.class).throttles()).isEmpty();
		});
	}

	@Test
	void actionsWhenWritable() {
		this.contextRunner.withPropertyValues("fila.dashboard.read-only=false").run(withMvc((context, mvc) -> {
			FilaTemplate template = context.getBean(FilaTemplate.class);
			FilaAdmin admin = context.getBean(FilaAdmin.class);
			template.enqueue("jobs", Map.of("tenant", "acme"), "x");
			template.enqueue("jobs", Map.of("tenant", HOSTILE), "y");
			assertThat(send(mvc, get("/fila")).getContentAsString()).contains("data-read-only=\"false\"");

			assertThat(action(mvc, "jobs", "{\"action\":\"pause\",\"key\":\"acme\"}").getStatus()).isEqualTo(200);
			assertThat(key(admin, "acme").paused()).isTrue();
			assertThat(action(mvc, "jobs", "{\"action\":\"resume\",\"key\":\"acme\"}").getStatus()).isEqualTo(200);
			assertThat(key(admin, "acme").paused()).isFalse();
			String hostileKey = json.writeValueAsString(HOSTILE);
			assertThat(action(mvc, "jobs", "{\"action\":\"pause\",\"key\":" + hostileKey + "}").getStatus())
				.isEqualTo(200);
			assertThat(key(admin, HOSTILE).paused()).isTrue();
			assertThat(action(mvc, "jobs", "{\"action\":\"pause\"}").getStatus()).isEqualTo(200);
			assertThat(admin.stats("jobs").paused()).isTrue();
			assertThat(action(mvc, "jobs", "{\"action\":\"resume\"}").getStatus()).isEqualTo(200);
			assertThat(admin.stats("jobs").paused()).isFalse();

			assertThat(action(mvc, "jobs", "{\"action\":\"weight\",\"key\":\"acme\",\"value\":3}").getStatus())
				.isEqualTo(200);
			assertThat(key(admin, "acme").weight()).isEqualTo(3.0);
			assertThat(action(mvc, "jobs", "{\"action\":\"max-in-flight\",\"key\":\"acme\",\"value\":\"2\"}")
				.getStatus()).isEqualTo(200);
			assertThat(key(admin, "acme").maxInFlight()).isEqualTo(2);

			MockHttpServletResponse throttle = send(mvc, post("/fila/api/throttles/stripe")
				.contentType(MediaType.APPLICATION_JSON)
				.content("{\"rate\":2.5,\"burst\":4}"));
			assertThat(throttle.getStatus()).isEqualTo(200);
			assertThat(admin.throttles()).singleElement()
				.satisfies((stats) -> assertThat(stats.burst()).isEqualTo(4));
			assertThat(send(mvc, post("/fila/api/config/greeting").contentType(MediaType.APPLICATION_JSON)
				.content("{\"value\":\"hello\"}")).getStatus()).isEqualTo(200);
			assertThat(admin.getConfig("greeting")).hasValue("hello");

			template.receive("jobs", Duration.ofSeconds(1)).orElseThrow().nack("boom");
			JsonNode redriven = body(action(mvc, "jobs", "{\"action\":\"redrive\"}"));
			assertThat(redriven.get("count").asLong()).isEqualTo(1);
			assertThat(redriven.get("target").asString()).isEqualTo("jobs.dlq");
			JsonNode purged = body(action(mvc, "jobs", "{\"action\":\"purge\"}"));
			assertThat(purged.get("count").asLong()).isEqualTo(2);
			assertThat(admin.stats("jobs").pending()).isZero();
		}));
	}

	@Test
	void badActionsAreRejected() {
		this.contextRunner.withPropertyValues("fila.dashboard.read-only=false").run(withMvc((context, mvc) -> {
			context.getBean(FilaTemplate.class).enqueue("jobs", Map.of("tenant", "acme"), "x");
			assertThat(action(mvc, "jobs", "{\"action\":\"explode\"}").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "{}").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "not json").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "[1]").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "{\"action\":\"weight\",\"value\":2}").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "{\"action\":\"weight\",\"key\":\"a\",\"value\":\"heavy\"}").getStatus())
				.isEqualTo(400);
			assertThat(action(mvc, "jobs", "{\"action\":\"redrive\",\"count\":\"x\"}").getStatus()).isEqualTo(400);
			// A purge or redrive acts on every key: narrowed by a key (or a purge by a count), it is
			// refused rather than widened to the whole queue.
			assertThat(action(mvc, "jobs", "{\"action\":\"purge\",\"key\":\"acme\"}").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "{\"action\":\"purge\",\"count\":1}").getStatus()).isEqualTo(400);
			assertThat(action(mvc, "jobs", "{\"action\":\"redrive\",\"key\":\"acme\"}").getStatus()).isEqualTo(400);
			assertThat(context.getBean(FilaAdmin.class).stats("jobs").pending()).isOne();
			assertThat(action(mvc, "nope", "{\"action\":\"pause\"}").getStatus()).isEqualTo(404);
			assertThat(action(mvc, "nope", "{\"action\":\"weight\",\"key\":\"a\",\"value\":1}").getStatus())
				.isEqualTo(404);
			assertThat(send(mvc, post("/fila/api/throttles/t").contentType(MediaType.APPLICATION_JSON)
				.content("{\"rate\":-1}")).getStatus()).isEqualTo(400);
			assertThat(send(mvc, post("/fila/api/throttles/t").contentType(MediaType.APPLICATION_JSON).content("{}"))
				.getStatus()).isEqualTo(400);
			assertThat(send(mvc, post("/fila/api/config/k").contentType(MediaType.APPLICATION_JSON).content("{}"))
				.getStatus()).isEqualTo(400);
			assertThat(send(mvc, post("/fila/api/elsewhere").contentType(MediaType.APPLICATION_JSON).content("{}"))
				.getStatus()).isEqualTo(404);
			MockHttpServletResponse tooLarge = action(mvc, "jobs",
					"{\"action\":\"pause\",\"key\":\"" + "k".repeat(DashboardRoutes.MAX_BODY) + "\"}");
			assertThat(tooLarge.getStatus()).isEqualTo(400);
		}));
	}

	@Test
	void thePageCarriesTheCsrfTokenEscaped() {
		run((context, mvc) -> {
			String html = send(mvc, get("/fila").requestAttr("_csrf", new FakeCsrfToken()))
				.getContentAsString(StandardCharsets.UTF_8);
			assertThat(html).contains("<meta name=\"fila-csrf-header\" content=\"X-CSRF-TOKEN\">",
					"<meta name=\"fila-csrf-token\" content=\"&quot;&gt;&lt;script&gt;t&lt;/script&gt;\">")
				.doesNotContain("<script>t");
		});
	}

	@Test
	void aCustomPathUnderAContextPath() {
		this.contextRunner.withPropertyValues("fila.dashboard.path=/ops/fila/").run(withMvc((context, mvc) -> {
			String html = send(mvc, get("/app/ops/fila").contextPath("/app")).getContentAsString();
			assertThat(html).contains("data-base=\"/app/ops/fila\"", "src=\"/app/ops/fila/assets/app.js?v=");
			assertThat(send(mvc, get("/app/ops/fila/api/overview").contextPath("/app")).getStatus()).isEqualTo(200);
			assertThat(send(mvc, get("/fila")).getStatus()).isEqualTo(404);
		}));
	}

	/** What a Spring Security CsrfToken looks like to the page, with a hostile token. */
	public static class FakeCsrfToken {

		public String getHeaderName() {
			return "X-CSRF-TOKEN";
		}

		public String getToken() {
			return "\"><script>t</script>";
		}

	}

	private static KeyStats key(FilaAdmin admin, String key) {
		return admin.stats("jobs").keys().stream().filter((stats) -> stats.key().equals(key)).findFirst().orElseThrow();
	}

	private static MockHttpServletResponse action(MockMvc mvc, String queue, String body) {
		return send(mvc, post("/fila/api/queues/" + queue + "/actions").contentType(MediaType.APPLICATION_JSON)
			.content(body));
	}

	private static MockHttpServletResponse send(MockMvc mvc, MockHttpServletRequestBuilder request) {
		try {
			return mvc.perform(request).andReturn().getResponse();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JsonNode body(MockHttpServletResponse response) {
		try {
			assertThat(response.getContentType()).startsWith("application/json");
			return json.readTree(response.getContentAsString(StandardCharsets.UTF_8));
		}
		catch (java.io.UnsupportedEncodingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JsonNode find(JsonNode array, String field, String value) {
		return array.valueStream()
			.filter((node) -> value.equals(node.get(field).asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + field + "=" + value + " in " + array));
	}

	private void run(MvcConsumer test) {
		this.contextRunner.run(withMvc(test));
	}

	private static ContextConsumer<AssertableWebApplicationContext> withMvc(MvcConsumer test) {
		return (context) -> {
			assertThat(context).hasNotFailed();
			test.accept(context, MockMvcBuilders.webAppContextSetup(context).build());
		};
	}

	@FunctionalInterface
	interface MvcConsumer {

		void accept(AssertableWebApplicationContext context, MockMvc mvc) throws Exception;

	}

}
