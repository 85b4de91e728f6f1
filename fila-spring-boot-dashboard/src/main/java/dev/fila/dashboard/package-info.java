/**
 * The Fila dashboard: a live page of the application's queues, fairness keys, dead letters,
 * throttles and runtime configuration, served by the application's Spring MVC. The delivery
 * history it reads ({@link dev.fila.dashboard.DeliveryLog}, {@link dev.fila.dashboard.DeliveryRates})
 * is kept in this instance, bounded in memory whatever the number of fairness keys.
 */
@NullMarked
package dev.fila.dashboard;

import org.jspecify.annotations.NullMarked;
