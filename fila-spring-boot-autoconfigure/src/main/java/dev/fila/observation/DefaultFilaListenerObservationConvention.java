package dev.fila.observation;

import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;

import dev.fila.observation.FilaObservationDocumentation.HighCardinalityKeyNames;
import dev.fila.observation.FilaObservationDocumentation.LowCardinalityKeyNames;

/**
 * The default {@link FilaListenerObservationConvention}: name {@code fila.listener}, tags
 * {@code queue}, {@code driver} and {@code consumer}, span name {@code <queue> process}.
 * <p>
 * An observation asks its convention for the key values when it starts and again when it
 * stops. The tags and the span name are the same for every message of a consumer, so they
 * are built once and kept while the consumer stays the same; a listener container uses its
 * own instance. The message's key values are built once per observation.
 */
public class DefaultFilaListenerObservationConvention implements FilaListenerObservationConvention {

	/** A shared instance. */
	public static final DefaultFilaListenerObservationConvention INSTANCE = new DefaultFilaListenerObservationConvention();

	private volatile @Nullable ConsumerTags last;

	@Override
	public String getName() {
		return "fila.listener";
	}

	@Override
	public String getContextualName(FilaListenerContext context) {
		return consumerTags(context).contextualName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(FilaListenerContext context) {
		return consumerTags(context).keyValues();
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(FilaListenerContext context) {
		KeyValues values = context.messageKeyValues;
		if (values == null) {
			values = KeyValues.of(HighCardinalityKeyNames.MESSAGE_ID.withValue(context.getMessage().id()),
					HighCardinalityKeyNames.ATTEMPTS.withValue(Integer.toString(context.getMessage().attempts())));
			context.messageKeyValues = values;
		}
		return values;
	}

	private ConsumerTags consumerTags(FilaListenerContext context) {
		String queue = context.getReportedQueue();
		ConsumerTags tags = this.last;
		if (tags == null || !tags.isFor(queue, context.getDriver(), context.getConsumer())) {
			tags = new ConsumerTags(queue, context.getDriver(), context.getConsumer(),
					KeyValues.of(LowCardinalityKeyNames.QUEUE.withValue(queue),
							LowCardinalityKeyNames.DRIVER.withValue(context.getDriver()),
							LowCardinalityKeyNames.CONSUMER.withValue(context.getConsumer())),
					queue + " process");
			this.last = tags;
		}
		return tags;
	}

	/** The tags and span name of one consumer's observations. */
	private record ConsumerTags(String queue, String driver, String consumer, KeyValues keyValues,
			String contextualName) {

		boolean isFor(String queue, String driver, String consumer) {
			return this.queue.equals(queue) && this.driver.equals(driver) && this.consumer.equals(consumer);
		}

	}

}
