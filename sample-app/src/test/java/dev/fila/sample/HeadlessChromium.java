package dev.fila.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.util.FileSystemUtils;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's headless Chromium, driven through Debian's ChromeDriver, for the dashboard's browser
 * tests: the binaries at fixed paths (scripts/browser-test-deps.sh installs them; Selenium never
 * downloads a browser or a driver of its own), the flags this closed network needs (no
 * background connections to Google's hosts), a fresh profile directory deleted on
 * {@link #close()}.
 */
final class HeadlessChromium implements AutoCloseable {

	static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	/**
	 * {@code -Dfila.browser.skip=true} skips the browser tests (and the install step): their
	 * classes carry {@code @DisabledIfSystemProperty} on it, so that the build reports them as
	 * skipped without starting the application.
	 */
	static final String SKIP_PROPERTY = "fila.browser.skip";

	static final String SKIP_REASON = "Browser test skipped: -D" + SKIP_PROPERTY + "=true (no Chromium started)";

	private final Path userDataDir;

	private final ChromeDriverService service;

	private final ChromeDriver driver;

	private HeadlessChromium(int width, int height) throws IOException {
		this.userDataDir = Files.createTempDirectory("fila-chromium-");
		this.service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--user-data-dir=" + this.userDataDir,
				"--window-size=" + width + "," + height);
		// A confirm() before an action is answered yes, as a person would.
		options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT);
		options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
		try {
			this.driver = new ChromeDriver(this.service, options);
			// The window's size includes the (invisible) browser frame: make the page itself,
			// and so a screenshot, width x height.
			this.driver.manage().window().setSize(new Dimension(width, height));
			long innerWidth = ((Number) this.driver.executeScript("return window.innerWidth;")).longValue();
			long innerHeight = ((Number) this.driver.executeScript("return window.innerHeight;")).longValue();
			this.driver.manage()
				.window()
				.setSize(new Dimension((int) (2L * width - innerWidth), (int) (2L * height - innerHeight)));
		}
		catch (RuntimeException ex) {
			this.service.stop();
			deleteQuietly(this.userDataDir);
			throw ex;
		}
	}

	/**
	 * Fails the calling test class when the browser or the driver is missing (the skip switch
	 * is the classes' {@code @DisabledIfSystemProperty}: a disabled class never gets here).
	 */
	static void requireInstalled() {
		for (Path binary : new Path[] { CHROMIUM, CHROMEDRIVER }) {
			if (!Files.isExecutable(binary)) {
				fail(binary + " is missing: run scripts/browser-test-deps.sh (mvn verify runs it in sample-app's "
						+ "pre-integration-test), or skip the browser test with -D" + SKIP_PROPERTY + "=true");
			}
		}
	}

	/**
	 * @param width the width of the page's viewport in CSS pixels
	 * @param height its height
	 * @return a started browser
	 * @throws IOException when the profile directory cannot be created
	 */
	static HeadlessChromium start(int width, int height) throws IOException {
		return new HeadlessChromium(width, height);
	}

	ChromeDriver driver() {
		return this.driver;
	}

	/**
	 * @param timeout the most to wait
	 * @return a wait that retries past elements replaced by the page's refreshes
	 */
	WebDriverWait waitUpTo(Duration timeout) {
		WebDriverWait wait = new WebDriverWait(this.driver, timeout, Duration.ofMillis(100));
		wait.ignoring(StaleElementReferenceException.class);
		return wait;
	}

	@Override
	public void close() {
		try {
			this.driver.quit();
		}
		finally {
			this.service.stop();
			deleteQuietly(this.userDataDir);
		}
	}

	private static void deleteQuietly(Path directory) {
		// Chromium may still be writing its profile for a moment after quitting: a few tries.
		for (int attempt = 1; attempt <= 5; attempt++) {
			try {
				FileSystemUtils.deleteRecursively(directory);
				return;
			}
			catch (IOException ex) {
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

}
