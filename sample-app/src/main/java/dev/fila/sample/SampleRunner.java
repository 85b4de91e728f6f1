package dev.fila.sample;

import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Runs the three patterns one after the other once the application has started (the
 * {@code @FilaListener} consumers are running by then) and prints what happened.
 */
@Component
class SampleRunner implements ApplicationRunner {

	private static final Logger logger = LoggerFactory.getLogger(SampleRunner.class);

	private final SampleProperties properties;

	private final ProducerConsumer producerConsumer;

	private final FairFanOut fairFanOut;

	private final RequestReply requestReply;

	SampleRunner(SampleProperties properties, ProducerConsumer producerConsumer, FairFanOut fairFanOut,
			RequestReply requestReply) {
		this.properties = properties;
		this.producerConsumer = producerConsumer;
		this.fairFanOut = fairFanOut;
		this.requestReply = requestReply;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		logger.info("== 1. Producer/consumer (queue '{}') ==", ProducerConsumer.QUEUE);
		ProducerConsumer.Result orders = this.producerConsumer.run(this.properties.orders());
		logger.info("orders: {} enqueued, {} processed by {} workers {} in {} ms", orders.enqueued(),
				orders.processed(), orders.workers().size(), orders.workers(), orders.elapsed().toMillis());
		logger.info("orders: {} items in total; orders per customer {}", orders.items(), orders.ordersByCustomer());

		logger.info("== 2. Fan-out with fairness keys (queue '{}') ==", FairFanOut.QUEUE);
		FairFanOut.Result fairness = this.fairFanOut.run(this.properties.noisyJobs(), this.properties.quietJobs());
		logger.info("backlog before the worker started: {}", fairness.backlog()
			.stream()
			.map((key) -> key.key() + "=" + key.pending())
			.collect(Collectors.joining(", ")));
		logger.info("quiet tenant: all {} delivered within the first {} deliveries (positions {})",
				fairness.quietPositions().size(), fairness.lastQuietPosition(),
				fairness.quietPositions().stream().map(String::valueOf).collect(Collectors.joining(", ")));
		logger.info("FIFO would have delivered them at positions {}-{}, after the noisy tenant's whole backlog",
				fairness.noisyJobs() + 1, fairness.noisyJobs() + fairness.quietJobs());
		logger.info("all {} jobs done by one worker in {} ms", fairness.noisyJobs() + fairness.quietJobs(),
				fairness.elapsed().toMillis());

		logger.info("== 3. Request-reply (queue '{}') ==", RequestReply.QUEUE);
		RequestReply.Result quote = this.requestReply.run();
		logger.info("request {} -> reply {} in {} ms", quote.request(), quote.reply(), quote.elapsed().toMillis());
		logger.info("== Done ==");
	}

}
