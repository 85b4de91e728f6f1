/**
 * Public API: messages, the template, the admin operations and their exceptions.
 */
@NullMarked
package dev.fila.core;

import org.jspecify.annotations.NullMarked;
