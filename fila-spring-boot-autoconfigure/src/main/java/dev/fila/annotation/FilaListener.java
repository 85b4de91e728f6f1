package dev.fila.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the handler of a Fila queue. The method runs in a bounded worker
 * pool; returning normally acks the message, throwing nacks it (the queue's failure policy
 * then decides between retry and dead-letter), and a
 * {@link dev.fila.listener.DeadLetterException} or an unconvertible payload dead-letters it
 * at once.
 * <p>
 * Parameters are resolved like other Spring messaging handlers: the payload ({@code byte[]},
 * {@code String}, or any type read from JSON), {@code @Header("name")}, {@code @Headers Map},
 * {@code @Payload}, {@link dev.fila.core.FilaMessage}, and
 * {@link dev.fila.listener.Acknowledgement} for manual acknowledgement. A non-null return
 * value is sent to the message's {@code reply_to} queue (request-reply).
 * <p>
 * String attributes accept {@code ${...}} placeholders. Values under
 * {@code fila.consumers.<id>} win over the attributes.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface FilaListener {

	/** @return the queue to consume */
	String queue();

	/**
	 * @return the consumer id, linking to {@code fila.consumers.<id>}; defaults to
	 * {@code <beanName>.<methodName>}
	 */
	String id() default "";

	/** @return the number of worker threads, 1..1000; default 1 */
	String concurrency() default "";

	/** @return the number of buffered messages, 1..10000; default 10 */
	String prefetch() default "";

	/** @return whether the consumer starts with the application; default true */
	String autoStartup() default "";

}
