package dev.fila.sample;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.openqa.selenium.OutputType;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;

import dev.fila.core.FilaAdmin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in read-only mode ({@code fila.dashboard.read-only=true}, the default) in a real
 * browser against the sample application with its live traffic: the page shows the queue and
 * its tenants but no action at all in its DOM, and the action endpoints answer 403 and change
 * nothing. {@code -Dfila.browser.skip=true} skips it; otherwise a missing browser fails it.
 * {@code -Dfila.dashboard.screenshot=true} also writes the README's screenshot,
 * {@code docs/images/dashboard.png}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.keep-running=true", "fila.dashboard.read-only=true", "fila.lua.timeout=200ms" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@DisabledIfSystemProperty(named = HeadlessChromium.SKIP_PROPERTY, matches = "true",
		disabledReason = HeadlessChromium.SKIP_REASON)
class DashboardReadOnlyBrowserIntegrationTests extends BrowserTestSupport {

	private static final String QUEUE = FairFanOut.QUEUE;

	@Autowired
	private FilaAdmin admin;

	@Autowired
	private ApplicationContext context;

	@Test
	void thePageShowsNoActionAndTheActionEndpointsAnswer403() throws Exception {
		DashboardPage page = page();
		page.openQueue(QUEUE);
		assertThat(page.readOnlyAttribute()).isEqualTo("true");
		// Once the queue table and the detail with its key rows have rendered, any action the
		// page would offer is in the DOM.
		page.waitUntil("the queue row and the noisy tenant's row",
				(driver) -> page.queueField(QUEUE, "pending") != null && page.keyField("noisy", "state") != null);
		assertThat(page.actionCount()).as("document.querySelectorAll('[data-action]').length").isZero();

		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		String api = DashboardPage.PATH + "/api";
		for (String[] post : new String[][] {
				{ api + "/queues/" + QUEUE + "/actions", "{\"action\":\"pause\",\"key\":\"quiet\"}" },
				{ api + "/queues/" + QUEUE + "/actions", "{\"action\":\"purge\"}" },
				{ api + "/throttles/test-throttle", "{\"rate\":1,\"burst\":1}" },
				{ api + "/config/test-key", "{\"value\":\"x\"}" } }) {
			HttpRequest request = HttpRequest.newBuilder(URI.create(page.baseUrl() + post[0]))
				.timeout(Duration.ofSeconds(10))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(post[1]))
				.build();
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as("POST " + post[0] + " " + post[1]).isEqualTo(403);
		}
		// Nothing changed: the quiet tenant is not paused, no throttle and no config value appeared.
		assertThat(this.admin.stats(QUEUE).keys()).filteredOn((stats) -> stats.key().equals("quiet"))
			.allSatisfy((stats) -> assertThat(stats.paused()).isFalse());
		assertThat(this.admin.throttles()).noneMatch((throttle) -> throttle.key().equals("test-throttle"));
		assertThat(this.admin.getConfig("test-key")).isEmpty();
		assertThat(page.actionCount()).as("document.querySelectorAll('[data-action]').length").isZero();
		assertThat(page.consoleErrors()).as("errors in the browser console").isEmpty();
	}

	/**
	 * With {@code -Dfila.dashboard.screenshot=true}, writes the README's screenshot: the page as
	 * the README's command shows it (read-only), queue tenant-jobs open, after 40 s of traffic.
	 */
	@Test
	void screenshotForTheReadme() throws IOException {
		assumeTrue(Boolean.getBoolean("fila.dashboard.screenshot"),
				"No screenshot: run with -Dfila.dashboard.screenshot=true to write docs/images/dashboard.png");
		Path file = Path.of(System.getProperty("fila.dashboard.screenshot.file", "../docs/images/dashboard.png"));
		Duration warmUp = Duration.parse(System.getProperty("fila.dashboard.screenshot.warm-up", "PT40S"));
		DashboardPage page = page();
		page.openQueue(QUEUE);
		// Live traffic long enough for the chart and the shares to show something.
		page.waitUpTo(warmUp.plus(DashboardPage.TIMEOUT))
			.until((driver) -> System.currentTimeMillis() - this.context.getStartupDate() >= warmUp.toMillis());
		page.waitUntil("rows of noisy, quiet and steady with their shares",
				(driver) -> Stream.of("noisy", "quiet", "steady").allMatch((key) -> {
					String share = page.keyField(key, "delivered-share");
					return share != null && share.matches("\\d+(\\.\\d+)?%");
				}));
		// The whole key table in view, with the chart and the queues above it.
		page.script("document.querySelector('section#queue-detail tr[data-key]').closest('table')"
				+ ".scrollIntoView({ block: 'end' });");
		byte[] png = page.driver().getScreenshotAs(OutputType.BYTES);
		Files.createDirectories(file.toAbsolutePath().getParent());
		Files.write(file, png);
		System.out.println("Wrote " + file.toAbsolutePath().normalize() + " (" + png.length + " bytes)");
	}

}
