package dev.fila.sample;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard page as its DOM contract describes it (see the dashboard module): reads go
 * through one script call each, so that the page's refreshes (which replace rows) cannot
 * leave a half-read row; clicks are real clicks on the elements, retried when a refresh
 * replaced the element in between.
 */
final class DashboardPage {

	/** The dashboard's default path, {@code fila.dashboard.path}. */
	static final String PATH = "/fila";

	/** Generous: the page refreshes every 2 s, and the build machine has 2 cores. */
	static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final HeadlessChromium chromium;

	private final String baseUrl;

	DashboardPage(HeadlessChromium chromium, int port) {
		this.chromium = chromium;
		this.baseUrl = "http://localhost:" + port;
	}

	String baseUrl() {
		return this.baseUrl;
	}

	ChromeDriver driver() {
		return this.chromium.driver();
	}

	WebDriverWait waitUpTo(Duration timeout) {
		return this.chromium.waitUpTo(timeout);
	}

	/** Loads the page and waits for its root element. */
	void open() {
		load(this.baseUrl + PATH);
	}

	/**
	 * Loads the page with a queue's detail open from the URL ({@code #queue=NAME}) and waits
	 * for that detail.
	 * @param queue the queue name
	 */
	void openQueue(String queue) {
		load(this.baseUrl + PATH + "#queue=" + queue);
		waitUntil("the detail of queue '" + queue + "'", (driver) -> queue.equals(
				script("var s = document.querySelector('section#queue-detail'); return s ? s.dataset.queue : null;")));
	}

	private void load(String url) {
		driver().get("about:blank");
		driver().get(url);
		waitUntil("main#fila-dashboard", (driver) -> !driver.findElements(By.cssSelector("main#fila-dashboard")).isEmpty());
	}

	/** @return the root element's {@code data-read-only} */
	String readOnlyAttribute() {
		return (String) script("return document.querySelector('main#fila-dashboard').getAttribute('data-read-only');");
	}

	/**
	 * @param queue a queue name
	 * @param field a {@code data-field} of its row
	 * @return the cell's text, or {@code null} when the row or the cell is not there
	 */
	String queueField(String queue, String field) {
		return (String) script("var row = document.querySelector('tr[data-queue=\"' + CSS.escape(arguments[0]) + '\"]');"
				+ "if (!row) return null; var cell = row.querySelector('[data-field=\"' + CSS.escape(arguments[1]) + '\"]');"
				+ "return cell ? cell.textContent.trim() : null;", queue, field);
	}

	/**
	 * @param key a fairness key of the open queue detail
	 * @param field a {@code data-field} of its row
	 * @return the cell's text, or {@code null} when the row or the cell is not there
	 */
	String keyField(String key, String field) {
		return (String) script("var row = document.querySelector('section#queue-detail tr[data-key=\"' + CSS.escape(arguments[0]) + '\"]');"
				+ "if (!row) return null; var cell = row.querySelector('[data-field=\"' + CSS.escape(arguments[1]) + '\"]');"
				+ "return cell ? cell.textContent.trim() : null;", key, field);
	}

	/** @return the fairness keys of the open queue detail's rows, in page order */
	@SuppressWarnings("unchecked")
	List<String> keys() {
		return (List<String>) script("return Array.from(document.querySelectorAll('section#queue-detail tr[data-key]'))"
				+ ".map(function (row) { return row.dataset.key; });");
	}

	/** @return how many elements carry a {@code data-action} */
	long actionCount() {
		return ((Number) script("return document.querySelectorAll('[data-action]').length;")).longValue();
	}

	/** @return the address of the page and of everything it loaded (scripts, styles, API calls) */
	@SuppressWarnings("unchecked")
	List<String> loadedUrls() {
		return (List<String>) script("return [location.href].concat(performance.getEntriesByType('resource')"
				+ ".map(function (entry) { return entry.name; }));");
	}

	/** @return the browser console's errors since the last call, but a missing favicon */
	List<String> consoleErrors() {
		return driver().manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
			.map(LogEntry::getMessage)
			.filter((message) -> !message.contains("favicon.ico"))
			.toList();
	}

	/**
	 * Clicks a queue row, as a person opening its detail would.
	 * @param queue the queue name
	 */
	void clickQueue(String queue) {
		click("tr[data-queue=\"" + queue + "\"]");
	}

	/**
	 * Clicks a key row's action button.
	 * @param key the fairness key
	 * @param action its {@code data-action}, e.g. {@code pause-key}
	 */
	void clickKeyAction(String key, String action) {
		click("section#queue-detail tr[data-key=\"" + key + "\"] [data-action=\"" + action + "\"]");
	}

	private void click(String selector) {
		waitUpTo(TIMEOUT).ignoring(NoSuchElementException.class)
			.ignoring(ElementNotInteractableException.class)
			.withMessage(() -> "a click on " + selector + "; page: " + pageSummary())
			.until((driver) -> {
				driver.findElement(By.cssSelector(selector)).click();
				return true;
			});
	}

	/**
	 * Waits, retrying past missing and replaced elements.
	 * @param what what is awaited, for the failure message
	 * @param condition the condition
	 */
	void waitUntil(String what, ExpectedCondition<Boolean> condition) {
		waitUpTo(TIMEOUT).ignoring(NoSuchElementException.class)
			.withMessage(() -> what + "; page: " + pageSummary())
			.until(condition);
	}

	Object script(String script, Object... arguments) {
		return driver().executeScript(script, arguments);
	}

	/** @return what the page shows, for failure messages */
	String pageSummary() {
		try {
			Object text = script("var m = document.querySelector('main#fila-dashboard');"
					+ "return (m ? m.innerText : document.body ? document.body.innerText : '').slice(0, 1500);");
			return String.valueOf(text).replace('\n', ' ');
		}
		catch (RuntimeException ex) {
			return "(unreadable: " + ex + ")";
		}
	}

}
