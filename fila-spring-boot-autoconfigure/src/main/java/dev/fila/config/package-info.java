/**
 * Settings shared by the instances of an application: runtime configuration (readable from
 * Lua with {@code fila.get(key)}) and throttles, stored where the drivers keep their queues
 * and seeded from the application's configuration by one rule ({@link dev.fila.config.SettingsSeeding}).
 */
@NullMarked
package dev.fila.config;

import org.jspecify.annotations.NullMarked;
