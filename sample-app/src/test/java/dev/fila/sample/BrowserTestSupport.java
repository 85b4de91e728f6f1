package dev.fila.sample;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What the browser tests share: one headless Chromium per test class (1280x900), closed after
 * it, and the dashboard page of the application under test.
 */
abstract class BrowserTestSupport {

	private static @Nullable HeadlessChromium chromium;

	@LocalServerPort
	private int port;

	@BeforeAll
	static void startBrowser() throws IOException {
		HeadlessChromium.requireInstalled();
		chromium = HeadlessChromium.start(1280, 900);
	}

	@AfterAll
	static void stopBrowser() {
		if (chromium != null) {
			chromium.close();
			chromium = null;
		}
	}

	/** @return the dashboard of the application under test, in this class's browser */
	DashboardPage page() {
		if (chromium == null) {
			throw new IllegalStateException("The browser was not started");
		}
		return new DashboardPage(chromium, this.port);
	}

}
