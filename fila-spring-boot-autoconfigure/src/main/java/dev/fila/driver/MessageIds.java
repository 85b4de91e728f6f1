package dev.fila.driver;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Generates message ids: random UUIDs from a thread-local generator, which unlike
 * {@link UUID#randomUUID()} does not contend on a shared secure random on hot enqueue paths.
 */
public final class MessageIds {

	private MessageIds() {
	}

	public static String next() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long most = (random.nextLong() & ~0xF000L) | 0x4000L;
		long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(most, least).toString();
	}

}
