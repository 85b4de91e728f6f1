/**
 * The Redis driver: queues whose scheduling (deficit round robin, throttles, leases, delays)
 * runs inside Redis in server-side scripts, so that it is global across application instances.
 */
@NullMarked
package dev.fila.driver.redis;

import org.jspecify.annotations.NullMarked;
