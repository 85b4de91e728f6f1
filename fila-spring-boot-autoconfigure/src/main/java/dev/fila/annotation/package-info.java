/**
 * The {@code @FilaListener} annotation and the post-processor that turns annotated methods into consumers.
 */
@NullMarked
package dev.fila.annotation;

import org.jspecify.annotations.NullMarked;
