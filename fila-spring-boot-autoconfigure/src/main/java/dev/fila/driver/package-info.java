/**
 * The driver SPI: what every queue backend (memory, Redis, AMQP) implements.
 */
@NullMarked
package dev.fila.driver;

import org.jspecify.annotations.NullMarked;
