package dev.fila.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaMessage;
import dev.fila.core.FilaMetricsRecorder;
import dev.fila.core.FilaTemplate;
import dev.fila.core.KeyStats;
import dev.fila.core.OutboundMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The dashboard in a real browser (Debian's headless Chromium through ChromeDriver) against the
 * sample application with its live traffic ({@code sample.keep-running=true}: a noisy, a quiet
 * and a steady tenant on queue {@code tenant-jobs}), actions enabled. What the page shows is
 * checked in the page; what its actions do is checked on the application side, by the
 * deliveries per fairness key that a {@link FilaMetricsRecorder} of this test counts and by
 * {@link FilaAdmin#stats}. {@link DashboardReadOnlyBrowserIntegrationTests} covers read-only
 * mode.
 * <p>
 * {@code -Dfila.browser.skip=true} skips it; otherwise a missing browser fails it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.keep-running=true", "fila.dashboard.read-only=false", "fila.lua.timeout=200ms" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@DisabledIfSystemProperty(named = HeadlessChromium.SKIP_PROPERTY, matches = "true",
		disabledReason = HeadlessChromium.SKIP_REASON)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIntegrationTests extends BrowserTestSupport {

	static final String QUEUE = FairFanOut.QUEUE;

	private static final Logger logger = LoggerFactory.getLogger(DashboardBrowserIntegrationTests.class);

	private static final Pattern PERCENT = Pattern.compile("\\d+(\\.\\d+)?%");

	@Autowired
	private DeliveriesByKey deliveries;

	@Autowired
	private FilaAdmin admin;

	@Autowired
	private QuietTrickle quietTrickle;

	@Test
	@Order(1)
	void pageLoadsWithTheQueuesAndNothingFromOutside() {
		DashboardPage page = page();
		page.open();
		assertThat(page.readOnlyAttribute()).isEqualTo("false");
		page.waitUntil("a row of queue '" + QUEUE + "' with its pending count",
				(driver) -> isCount(page.queueField(QUEUE, "pending")));
		page.clickQueue(QUEUE);
		page.waitUntil("the detail of queue '" + QUEUE + "' after a click on its row", (driver) -> QUEUE
			.equals(page.script("var s = document.querySelector('section#queue-detail'); return s ? s.dataset.queue : null;")));
		page.waitUntil("the delivery chart", (driver) -> Boolean.TRUE
			.equals(page.script("return document.querySelector('section#queue-detail svg#rates-chart') !== null;")));
		assertThat(page.loadedUrls()).as("what the page loaded").allMatch((url) -> url.startsWith(page.baseUrl() + "/"));
		assertThat(page.consoleErrors()).as("errors in the browser console").isEmpty();
	}

	@Test
	@Order(2)
	void theNoisyAndTheQuietTenantShowWithTheirShares() {
		DashboardPage page = page();
		page.openQueue(QUEUE);
		page.waitUntil("rows of noisy and quiet with a delivered share above 0%", (driver) -> {
			String noisy = page.keyField("noisy", "delivered-share");
			String quiet = page.keyField("quiet", "delivered-share");
			return isPercent(noisy) && isPercent(quiet) && percent(noisy) > 0 && percent(quiet) > 0;
		});
		// Each tenant is served: the noisy one far more, by its backlog, the quiet one at once.
		assertThat(percent(page.keyField("noisy", "delivered-share")))
			.isGreaterThan(percent(page.keyField("quiet", "delivered-share")));
		for (String key : List.of("noisy", "quiet")) {
			assertThat(page.keyField(key, "entitled-share")).as("entitled share of " + key).matches(PERCENT);
			assertThat(page.keyField(key, "pending")).as("pending of " + key).matches("\\d[\\d,]*");
			assertThat(page.keyField(key, "state")).as("state of " + key).isEqualTo("active");
		}
	}

	@Test
	@Order(3)
	void pausingTheQuietTenantFromThePageStopsItsDeliveriesAndResumingRestartsThem() {
		this.quietTrickle.start();
		DashboardPage page = page();
		page.openQueue(QUEUE);
		page.waitUntil("the quiet tenant's row, active",
				(driver) -> "active".equals(page.keyField("quiet", "state")));
		long before = this.deliveries.of("quiet");
		awaitIncrease("deliveries of quiet before the pause", () -> this.deliveries.of("quiet"), before);

		page.clickKeyAction("quiet", "pause-key");
		page.waitUntil("state 'paused' in the quiet tenant's row",
				(driver) -> "paused".equals(page.keyField("quiet", "state")));
		page.waitUntil("FilaAdmin.stats to show the quiet tenant paused", (driver) -> keyPaused("quiet"));

		// Deliveries leased before the pause (the consumer prefetches) may still finish; then
		// none for the quiet tenant, while the noisy one keeps flowing and the quiet one's new
		// jobs wait.
		awaitStable("deliveries of quiet to settle after the pause", () -> this.deliveries.of("quiet"),
				Duration.ofSeconds(1), DashboardPage.TIMEOUT);
		long quietPaused = this.deliveries.of("quiet");
		long noisyBefore = this.deliveries.of("noisy");
		long waitingBefore = keyStats("quiet").map(KeyStats::pending).orElse(0L);
		assertUnchangedFor("deliveries of quiet while paused", () -> this.deliveries.of("quiet"), quietPaused,
				Duration.ofSeconds(3));
		long noisyAfter = this.deliveries.of("noisy");
		long waitingAfter = keyStats("quiet").map(KeyStats::pending).orElse(0L);
		assertThat(noisyAfter).as("deliveries of noisy while quiet is paused").isGreaterThan(noisyBefore);
		assertThat(waitingAfter).as("pending jobs of quiet while paused").isGreaterThan(waitingBefore);
		page.waitUntil("'paused' in the quiet tenant's waits",
				(driver) -> String.valueOf(page.keyField("quiet", "waits")).contains("paused"));

		page.clickKeyAction("quiet", "resume-key");
		page.waitUntil("state 'active' in the quiet tenant's row",
				(driver) -> "active".equals(page.keyField("quiet", "state")));
		assertThat(keyPaused("quiet")).as("quiet paused after the resume").isFalse();
		awaitIncrease("deliveries of quiet after the resume", () -> this.deliveries.of("quiet"), quietPaused);
		logger.info("quiet: {} deliveries before the pause, {} once settled; none in 3 s while noisy went {} -> {} and "
				+ "quiet's pending {} -> {}; {} deliveries of quiet in all after the resume", before, quietPaused,
				noisyBefore, noisyAfter, waitingBefore, waitingAfter, this.deliveries.of("quiet"));
		assertThat(page.consoleErrors()).as("errors in the browser console").isEmpty();
	}

	/** A key without messages is not in the stats, and not paused. */
	private boolean keyPaused(String key) {
		return keyStats(key).map(KeyStats::paused).orElse(false);
	}

	private Optional<KeyStats> keyStats(String key) {
		return this.admin.stats(QUEUE).keys().stream().filter((stats) -> stats.key().equals(key)).findFirst();
	}

	private static boolean isCount(String text) {
		return text != null && text.matches("\\d[\\d,]*");
	}

	private static boolean isPercent(String text) {
		return text != null && PERCENT.matcher(text).matches();
	}

	private static double percent(String text) {
		return Double.parseDouble(text.substring(0, text.length() - 1));
	}

	/** Waits until the value exceeds {@code from}. */
	static void awaitIncrease(String what, LongSupplier value, long from) {
		long deadline = System.nanoTime() + DashboardPage.TIMEOUT.toNanos();
		while (value.getAsLong() <= from) {
			if (System.nanoTime() > deadline) {
				fail(what + ": still " + value.getAsLong() + " after " + DashboardPage.TIMEOUT.toSeconds() + " s");
			}
			pause(Duration.ofMillis(100));
		}
	}

	/** Waits until the value stays the same for {@code window}, for at most {@code atMost}. */
	static void awaitStable(String what, LongSupplier value, Duration window, Duration atMost) {
		long deadline = System.nanoTime() + atMost.toNanos();
		long last = value.getAsLong();
		long since = System.nanoTime();
		while (System.nanoTime() - since < window.toNanos()) {
			if (System.nanoTime() > deadline) {
				fail(what + ": still changing after " + atMost.toSeconds() + " s (now " + last + ")");
			}
			pause(Duration.ofMillis(100));
			long now = value.getAsLong();
			if (now != last) {
				last = now;
				since = System.nanoTime();
			}
		}
	}

	/** Checks, every 100 ms for {@code window}, that the value is still {@code expected}. */
	static void assertUnchangedFor(String what, LongSupplier value, long expected, Duration window) {
		long end = System.nanoTime() + window.toNanos();
		while (System.nanoTime() < end) {
			assertThat(value.getAsLong()).as(what).isEqualTo(expected);
			pause(Duration.ofMillis(100));
		}
		assertThat(value.getAsLong()).as(what).isEqualTo(expected);
	}

	private static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Traffic {

		@Bean
		DeliveriesByKey deliveriesByKey() {
			return new DeliveriesByKey();
		}

		@Bean
		QuietTrickle quietTrickle(FilaTemplate fila, FilaAdmin admin) {
			return new QuietTrickle(fila, admin);
		}

	}

	/** Counts the deliveries of queue tenant-jobs per fairness key, as the consumer gets them. */
	static class DeliveriesByKey implements FilaMetricsRecorder {

		private final Map<String, LongAdder> deliveries = new ConcurrentHashMap<>();

		@Override
		public void delivered(String consumer, String driver, FilaMessage message) {
			if (QUEUE.equals(message.queue())) {
				this.deliveries.computeIfAbsent(message.fairnessKey(), (key) -> new LongAdder()).increment();
			}
		}

		long of(String key) {
			LongAdder count = this.deliveries.get(key);
			return (count != null) ? count.sum() : 0;
		}

	}

	/**
	 * Once started (by the pause test: the other tests and the screenshot see the sample's own
	 * traffic), and besides the sample's live traffic (whose quiet tenant enqueues 3 jobs a
	 * tick, and only while the backlog is under 3,000), 2 jobs of the quiet tenant every 100 ms,
	 * so that it is delivered all the time and a pause shows at once. Bounded: it stops adding
	 * while 2,000 of them wait, and with the context.
	 */
	static class QuietTrickle implements DisposableBean {

		private final FilaTemplate fila;

		private final FilaAdmin admin;

		private final AtomicInteger number = new AtomicInteger();

		private final AtomicBoolean started = new AtomicBoolean();

		private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "test-quiet-trickle");
			thread.setDaemon(true);
			return thread;
		});

		QuietTrickle(FilaTemplate fila, FilaAdmin admin) {
			this.fila = fila;
			this.admin = admin;
		}

		void start() {
			if (this.started.compareAndSet(false, true)) {
				this.scheduler.scheduleWithFixedDelay(this::tick, 0, 100, TimeUnit.MILLISECONDS);
			}
		}

		private void tick() {
			try {
				long waiting = this.admin.stats(QUEUE)
					.keys()
					.stream()
					.filter((stats) -> stats.key().equals("quiet"))
					.mapToLong(KeyStats::pending)
					.sum();
				if (waiting < 2_000) {
					List<OutboundMessage> jobs = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						jobs.add(OutboundMessage.of(Map.of(FairFanOut.TENANT_HEADER, "quiet"),
								new FairFanOut.Job("quiet", 100_000 + this.number.incrementAndGet())));
					}
					this.fila.enqueueAll(QUEUE, jobs);
				}
			}
			catch (RuntimeException ex) {
				// The context is closing; the next tick (if any) tries again.
			}
		}

		@Override
		public void destroy() {
			this.scheduler.shutdownNow();
		}

	}

}
