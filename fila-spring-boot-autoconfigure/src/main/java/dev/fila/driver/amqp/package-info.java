/**
 * The AMQP driver: Fila queues on RabbitMQ through Spring Boot's {@code ConnectionFactory},
 * one RabbitMQ queue per fairness key, consumed into a local deficit round robin scheduler.
 */
@NullMarked
package dev.fila.driver.amqp;

import org.jspecify.annotations.NullMarked;
