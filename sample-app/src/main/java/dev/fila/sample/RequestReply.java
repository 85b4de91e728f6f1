package dev.fila.sample;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;

import org.springframework.stereotype.Component;

import dev.fila.annotation.FilaListener;
import dev.fila.core.FilaTemplate;

/**
 * Pattern 3, request-reply: {@link FilaTemplate#request} enqueues a request with
 * {@code reply_to} and {@code correlation_id} headers and waits on a temporary reply queue;
 * the listener's return value is the reply.
 */
@Component
public class RequestReply {

	/** The request queue, declared in application.yml. */
	public static final String QUEUE = "quotes";

	private static final Map<String, BigDecimal> UNIT_PRICES = Map.of("widget", new BigDecimal("4.50"), "gadget",
			new BigDecimal("12.00"));

	private final FilaTemplate fila;

	private volatile Result lastResult;

	public RequestReply(FilaTemplate fila) {
		this.fila = fila;
	}

	/**
	 * A request for a price.
	 *
	 * @param product the product
	 * @param quantity how many
	 */
	public record QuoteRequest(String product, int quantity) {
	}

	/**
	 * The reply.
	 *
	 * @param product the product
	 * @param quantity how many
	 * @param total the price, with 10% off from 10 pieces
	 */
	public record Quote(String product, int quantity, BigDecimal total) {
	}

	/**
	 * What the demo saw.
	 *
	 * @param request the request sent
	 * @param reply the reply received
	 * @param elapsed the round trip time
	 */
	public record Result(QuoteRequest request, Quote reply, Duration elapsed) {
	}

	/** The responder: a non-null return value goes to the request's reply_to queue. */
	@FilaListener(queue = QUEUE)
	Quote quote(QuoteRequest request) {
		BigDecimal total = UNIT_PRICES.getOrDefault(request.product(), BigDecimal.ONE)
			.multiply(BigDecimal.valueOf(request.quantity()));
		if (request.quantity() >= 10) {
			total = total.multiply(new BigDecimal("0.90"));
		}
		return new Quote(request.product(), request.quantity(), total.setScale(2, RoundingMode.HALF_UP));
	}

	/**
	 * The requester: sends one request and waits up to 5 seconds for its reply.
	 * @return the request and its reply
	 */
	public Result run() {
		QuoteRequest request = new QuoteRequest("widget", 12);
		long start = System.nanoTime();
		Quote reply = this.fila.request(QUEUE, Map.of(), request, Quote.class, Duration.ofSeconds(5));
		this.lastResult = new Result(request, reply, Duration.ofNanos(System.nanoTime() - start));
		return this.lastResult;
	}

	/** @return the result of the last {@link #run}, or {@code null} before it finished */
	public Result lastResult() {
		return this.lastResult;
	}

}
