/**
 * The embedded, in-JVM driver. Messages live in the heap and are lost when the JVM exits.
 */
@NullMarked
package dev.fila.driver.memory;

import org.jspecify.annotations.NullMarked;
