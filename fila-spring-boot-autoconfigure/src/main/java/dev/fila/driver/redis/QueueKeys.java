package dev.fila.driver.redis;

/**
 * The encoded keys and names of a queue, built once (see {@link RedisQueues#keys}): ack, nack
 * and heartbeats need them per message.
 *
 * @param routing the key that routes a script to the queue's hash slot
 * @param base the key base
 * @param name the queue name
 * @param channel the channel its scripts notify
 */
record QueueKeys(byte[] routing, byte[] base, byte[] name, byte[] channel) {
}
