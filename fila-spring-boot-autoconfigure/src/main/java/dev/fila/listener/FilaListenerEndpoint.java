package dev.fila.listener;

/**
 * A consumer to create: its id, the settings its declaration carries, where it was declared
 * (for error messages) and its handler.
 *
 * @param id the consumer id
 * @param declared the settings from the declaration itself (annotation attributes)
 * @param origin how the declaration is named in errors, e.g. {@code @FilaListener on Foo.bar}
 * @param handler the message handler
 */
public record FilaListenerEndpoint(String id, ConsumerConfig declared, String origin, FilaMessageHandler handler) {
}
