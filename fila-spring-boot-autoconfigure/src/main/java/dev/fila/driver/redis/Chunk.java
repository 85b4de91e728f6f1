package dev.fila.driver.redis;

/**
 * What one call of a chunked script (delete, purge, redrive) did: they work in bounded chunks
 * so that a large queue never blocks Redis.
 *
 * @param count messages the call removed or moved
 * @param done whether nothing is left to do
 */
record Chunk(long count, boolean done) {
}
