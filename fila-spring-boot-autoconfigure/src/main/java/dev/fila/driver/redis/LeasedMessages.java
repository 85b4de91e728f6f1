package dev.fila.driver.redis;

import java.time.Instant;
import java.util.List;

import dev.fila.driver.LeasedMessage;

import static dev.fila.driver.redis.RedisValues.string;

/**
 * Reads a message the scheduler leased (schedule.lua's {@code lease_next}): ten fields, id, key,
 * weight, throttle keys, headers, payload, enqueued at, attempts, lease token and priority, as a
 * fetch replies them (bulk strings and integers) or as a hand-off carries them (all strings).
 */
final class LeasedMessages {

	private final MessageJson json;

	LeasedMessages(MessageJson json) {
		this.json = json;
	}

	LeasedMessage read(String queue, List<?> fields) {
		return new LeasedMessage(string(fields.get(0)), queue, this.json.decodeHeaders((byte[]) fields.get(4)),
				(byte[]) fields.get(5), string(fields.get(1)), Double.parseDouble(string(fields.get(2))),
				this.json.decodeThrottleKeys(string(fields.get(3))), integer(fields.get(7)),
				Instant.ofEpochMilli(Long.parseLong(string(fields.get(6)))), string(fields.get(8)),
				integer(fields.get(9)));
	}

	private static int integer(Object value) {
		return (value instanceof Number number) ? number.intValue() : Integer.parseInt(string(value));
	}

}
