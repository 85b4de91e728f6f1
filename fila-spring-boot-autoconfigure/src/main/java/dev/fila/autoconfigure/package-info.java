/**
 * Spring Boot auto-configuration, configuration properties and failure analysis.
 */
@NullMarked
package dev.fila.autoconfigure;

import org.jspecify.annotations.NullMarked;
