/**
 * Scheduling shared by all drivers: deficit round robin, token buckets, retry back-off, and the
 * in-process scheduler ({@link dev.fila.scheduling.FairScheduler}, with {@link dev.fila.scheduling.Leases})
 * of the drivers that choose messages in this JVM (memory, and AMQP over its prefetched buffer).
 */
@NullMarked
package dev.fila.scheduling;

import org.jspecify.annotations.NullMarked;
