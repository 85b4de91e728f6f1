/**
 * Queue definitions, name rules and the routing of queue names to drivers.
 */
@NullMarked
package dev.fila.queue;

import org.jspecify.annotations.NullMarked;
