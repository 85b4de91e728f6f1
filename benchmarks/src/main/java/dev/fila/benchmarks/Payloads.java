package dev.fila.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/** Payloads and headers shared by all benchmarks. */
final class Payloads {

	/** Payload size of every message. */
	static final int SIZE = 256;

	private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

	private Payloads() {
	}

	/** @return a 256-byte payload with recognisable content */
	static byte[] fixed() {
		byte[] payload = new byte[SIZE];
		Arrays.fill(payload, (byte) 'x');
		return payload;
	}

	/**
	 * A latency probe: bytes 0..7 hold the send time (nanoTime), 8..15 the sequence number.
	 * @param sequence the sequence number
	 * @return a 256-byte payload whose send time is still to be stamped
	 */
	static byte[] probe(long sequence) {
		byte[] payload = new byte[SIZE];
		LONGS.set(payload, 8, sequence);
		return payload;
	}

	static void stampSendTime(byte[] payload, long nanoTime) {
		LONGS.set(payload, 0, nanoTime);
	}

	static long sendTime(byte[] payload) {
		return (long) LONGS.get(payload, 0);
	}

	static long sequence(byte[] payload) {
		return (long) LONGS.get(payload, 8);
	}

	/**
	 * @param keys how many tenants
	 * @return one immutable header map per tenant: {@code tenant=tenant-<i>}
	 */
	@SuppressWarnings("unchecked")
	static Map<String, String>[] tenantHeaders(int keys) {
		Map<String, String>[] headers = new Map[keys];
		for (int i = 0; i < keys; i++) {
			headers[i] = Map.of(TenantQueuePolicyFactory.TENANT_HEADER, "tenant-" + i);
		}
		return headers;
	}

}
