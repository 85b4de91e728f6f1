package dev.fila.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import dev.fila.annotation.FilaListener;
import dev.fila.core.FilaTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The health indicator, the {@code fila} endpoint and the meters over HTTP, in a real web
 * application with the actuator, on the memory driver: no broker (their health indicators are
 * off).
 */
@SpringBootTest(classes = FilaActuatorWebTests.Application.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,metrics,fila",
				"management.endpoint.health.show-details=always", "management.health.redis.enabled=false",
				"management.health.rabbit.enabled=false",
				"fila.queues.reports.on-enqueue=function on_enqueue(msg) return { fairness_key = msg.headers.tenant } end" })
class FilaActuatorWebTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	int port;

	@Autowired
	FilaTemplate template;

	@Autowired
	OrderListener orders;

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, Object body) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private static JsonNode body(HttpResponse<String> response) {
		return json.readTree(response.body());
	}

	@Test
	void healthShowsDriversAndConsumers() throws Exception {
		HttpResponse<String> response = get("/actuator/health");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode fila = body(response).get("components").get("fila");
		assertThat(fila.get("status").asString()).isEqualTo("UP");
		JsonNode memory = fila.get("components").get("memory");
		assertThat(memory.get("status").asString()).isEqualTo("UP");
		assertThat(memory.get("details").get("type").asString()).isEqualTo("memory");
		assertThat(body(get("/actuator/health/fila/memory")).get("status").asString()).isEqualTo("UP");
		JsonNode consumer = memory.get("details").get("consumers").get("order-worker");
		assertThat(consumer.get("running").asBoolean()).isTrue();
		assertThat(consumer.get("queue").asString()).isEqualTo("orders");
		assertThat(consumer.get("busyWorkers").asInt()).isZero();
	}

	@Test
	void queueDetailPurgeAndNotFound() throws Exception {
		for (int i = 0; i < 30; i++) {
			this.template.enqueue("reports", Map.of("tenant", (i < 20) ? "acme" : "globex"), "report " + i);
		}
		for (int i = 0; i < 10; i++) {
			this.template.receive("reports", Duration.ofSeconds(1)).orElseThrow().ack();
		}
		HttpResponse<String> response = get("/actuator/fila/reports");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode reports = body(response);
		assertThat(reports.get("driver").asString()).isEqualTo("memory");
		assertThat(reports.get("pending").asLong()).isEqualTo(20);
		assertThat(reports.get("deadLetter").get("queue").asString()).isEqualTo("reports.dlq");
		assertThat(reports.get("recentDeliveries").get("counted").asInt()).isEqualTo(10);
		JsonNode top = reports.get("keys").get(0);
		assertThat(top.get("key").asString()).isEqualTo("acme");
		assertThat(top.get("pending").asLong()).isEqualTo(15);
		assertThat(top.get("deliveredShare").asDouble()).isEqualTo(0.5);
		assertThat(top.get("fairShare").asDouble()).isEqualTo(0.5);

		assertThat(get("/actuator/fila/reports?top=1").body()).doesNotContain("globex");
		assertThat(get("/actuator/fila").body()).contains("\"reports\"", "\"order-worker\"");
		assertThat(get("/actuator/fila/no-such-queue").statusCode()).isEqualTo(404);

		HttpResponse<String> messages = get("/actuator/fila/reports/messages?limit=3");
		assertThat(messages.statusCode()).isEqualTo(200);
		JsonNode peeked = body(messages);
		assertThat(peeked.size()).isEqualTo(3);
		assertThat(peeked.get(0).get("payload").asString()).startsWith("report ");
		assertThat(peeked.get(0).get("attempts").asInt()).isZero();
		assertThat(get("/actuator/fila/reports/messages").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/fila/reports/messages?limit=0").statusCode()).isEqualTo(400);
		assertThat(get("/actuator/fila/no-such-queue/messages").statusCode()).isEqualTo(400);
		assertThat(get("/actuator/fila/reports").statusCode()).isEqualTo(200);
		assertThat(body(get("/actuator/fila/reports")).get("pending").asLong()).isEqualTo(20);

		HttpResponse<String> purged = post("/actuator/fila/reports", Map.of("action", "purge"));
		assertThat(purged.statusCode()).isEqualTo(200);
		assertThat(body(purged).get("count").asLong()).isEqualTo(20);
		assertThat(post("/actuator/fila/reports", Map.of("action", "explode")).statusCode()).isEqualTo(400);
	}

	@Test
	void aKeyAndTheQueueArePausedAndResumedOverHttp() throws Exception {
		this.template.enqueue("audits", Map.of(), "one");
		this.template.enqueue("audits", Map.of(), "two");
		HttpResponse<String> paused = post("/actuator/fila/audits", Map.of("action", "pause", "key", "default"));
		assertThat(paused.statusCode()).isEqualTo(200);
		assertThat(body(paused).get("key").asString()).isEqualTo("default");
		JsonNode key = body(get("/actuator/fila/audits")).get("keys").get(0);
		assertThat(key.get("paused").asBoolean()).isTrue();
		assertThat(key.get("fairShare").asDouble()).isZero();
		assertThat(this.template.receive("audits", Duration.ofMillis(200))).isEmpty();
		assertThat(post("/actuator/fila/audits", Map.of("action", "resume", "key", "default")).statusCode())
			.isEqualTo(200);
		assertThat(post("/actuator/fila/audits", Map.of("action", "pause")).statusCode()).isEqualTo(200);
		assertThat(body(get("/actuator/fila/audits")).get("paused").asBoolean()).isTrue();
		// The overview says so too (the dashboard reads it there, without a second stats call).
		assertThat(body(get("/actuator/fila")).get("queues").get("audits").get("paused").asBoolean()).isTrue();
		assertThat(this.template.receive("audits", Duration.ofMillis(200))).isEmpty();
		assertThat(post("/actuator/fila/audits", Map.of("action", "resume")).statusCode()).isEqualTo(200);
		assertThat(body(get("/actuator/fila")).get("queues").get("audits").get("paused").asBoolean()).isFalse();
		this.template.receive("audits", Duration.ofSeconds(2)).orElseThrow().ack();
		assertThat(post("/actuator/fila/audits", Map.of("action", "pause", "key", "")).statusCode()).isEqualTo(400);
		assertThat(post("/actuator/fila/no-such-queue", Map.of("action", "pause")).statusCode()).isEqualTo(400);
	}

	@Test
	void runtimeConfigAndThrottlesCanBeChanged() throws Exception {
		assertThat(post("/actuator/fila/config/weight.acme", Map.of("value", "4")).statusCode()).isEqualTo(200);
		HttpResponse<String> config = get("/actuator/fila/config/weight.acme");
		assertThat(config.statusCode()).isEqualTo(200);
		assertThat(body(config).get("value").asString()).isEqualTo("4");
		assertThat(get("/actuator/fila/config/unset").statusCode()).isEqualTo(404);
		HttpResponse<String> throttle = post("/actuator/fila/throttles/provider", Map.of("rate", 5, "burst", 10));
		assertThat(throttle.statusCode()).isEqualTo(200);
		assertThat(body(throttle).get("burst").asLong()).isEqualTo(10);
		assertThat(post("/actuator/fila/throttles/provider", Map.of("rate", -1)).statusCode()).isEqualTo(400);
	}

	@Test
	void metersAreServedByTheMetricsEndpoint() throws Exception {
		this.template.enqueue("orders", "o");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.orders.handled > 0);
		HttpResponse<String> response = get("/actuator/metrics/fila.messages.enqueued?tag=queue:orders");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(body(response).get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> get("/actuator/metrics/fila.messages.acked?tag=consumer:order-worker").statusCode() == 200);
		assertThat(get("/actuator/metrics/fila.delivery.latency").statusCode()).isEqualTo(200);
		// Observations are off by default (fila.listener.observation-enabled), so no timer from them.
		assertThat(get("/actuator/metrics/fila.listener").statusCode()).isEqualTo(404);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> get("/actuator/metrics/fila.queue.depth?tag=queue:orders").statusCode() == 200);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(OrderListener.class)
	static class Application {

	}

	static class OrderListener {

		volatile int handled;

		@FilaListener(queue = "orders", id = "order-worker")
		void handle(String order) {
			this.handled++;
		}

	}

}
