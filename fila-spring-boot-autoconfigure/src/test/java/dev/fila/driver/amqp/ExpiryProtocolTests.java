package dev.fila.driver.amqp;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.fila.driver.amqp.ExpiryProtocol.Abandoned;
import dev.fila.driver.amqp.ExpiryProtocol.Closing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key-expiry protocol's decisions, each from log records and a clock alone: no broker.
 * With a 40 s idle expiry a lease lasts 10 s and is renewed 2.5 s before its end, an expiry
 * waits 15 s, its instance deletes only within 20 s, and others abandon it after 40 s.
 */
class ExpiryProtocolTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

	private final ExpiryProtocol protocol = new ExpiryProtocol(Duration.ofSeconds(40), this.clock::get);

	private void advance(double seconds) {
		this.clock.addAndGet((long) (seconds * SECOND));
	}

	private long now() {
		return this.clock.get();
	}

	@Test
	void timingsFollowTheIdleExpiry() {
		assertThat(this.protocol.enabled()).isTrue();
		assertThat(this.protocol.leaseNanos).isEqualTo(10 * SECOND);
		assertThat(this.protocol.renewAheadNanos).isEqualTo(10 * SECOND / 4);
		assertThat(this.protocol.waitNanos).isEqualTo(15 * SECOND);
		assertThat(this.protocol.cutoffNanos).isEqualTo(20 * SECOND);
		assertThat(this.protocol.abandonNanos).isEqualTo(40 * SECOND);
		// A lease never lasts more than 5 minutes, however long the idle expiry.
		assertThat(new ExpiryProtocol(Duration.ofHours(1), this.clock::get).leaseNanos)
			.isEqualTo(TimeUnit.MINUTES.toNanos(5));
		assertThat(new ExpiryProtocol(Duration.ZERO, this.clock::get).enabled()).isFalse();
	}

	@Test
	void aProducerWithoutALeasePublishesAKeyRecordFirst() {
		assertThat(this.protocol.leased("q", "a")).isFalse();
	}

	@Test
	void aLeaseLetsAProducerPublishUntilShortlyBeforeItEnds() {
		long start = now();
		assertThat(this.protocol.lease("q", "a", start)).isTrue();
		assertThat(this.protocol.leased("q", "a")).isTrue();
		assertThat(this.protocol.leased("q", "b")).isFalse();
		advance(7.4);
		assertThat(this.protocol.leased("q", "a")).isTrue();
		// Renewed a quarter of the lease ahead of its end, so a batch never crosses it.
		advance(0.2);
		assertThat(this.protocol.leased("q", "a")).isFalse();
	}

	@Test
	void aLeaseCountsFromWhenItsKeyRecordWasPublishedNotFromWhenTheLogWasRead() {
		long start = now();
		advance(5);
		this.protocol.lease("q", "a", start);
		advance(2.6);
		assertThat(this.protocol.leased("q", "a")).isFalse();
	}

	@Test
	void aKeyBeingExpiredGetsNoLeaseAndItsBatchGoesToTheRetryQueue() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		assertThat(this.protocol.lease("q", "a", now())).isFalse();
		assertThat(this.protocol.leased("q", "a")).isFalse();
		// Other keys of the queue are not affected.
		assertThat(this.protocol.lease("q", "b", now())).isTrue();
	}

	@Test
	void aForgottenLeaseIsTakenAgain() {
		this.protocol.lease("q", "a", now());
		this.protocol.lease("q", "b", now());
		this.protocol.forget("q", "a");
		assertThat(this.protocol.leased("q", "a")).isFalse();
		assertThat(this.protocol.leased("q", "b")).isTrue();
		this.protocol.forgetQueue("q");
		assertThat(this.protocol.leased("q", "b")).isFalse();
	}

	@Test
	void aKeyIsIdleWhenItsConsumerHeldNothingForTheIdleExpiry() {
		long lastActivity = now();
		advance(40);
		assertThat(this.protocol.idle(lastActivity, 0)).isFalse();
		advance(0.001);
		assertThat(this.protocol.idle(lastActivity, 0)).isTrue();
		assertThat(this.protocol.idle(lastActivity, 1)).as("holds a message").isFalse();
	}

	@Test
	void anExpiryOpensOnlyForAnEmptyQueueWithNoExpiryOpen() {
		assertThat(this.protocol.mayOpen("q", "a", 0)).isTrue();
		assertThat(this.protocol.mayOpen("q", "a", 3)).as("ready messages").isFalse();
		assertThat(this.protocol.mayOpen("q", "a", -1)).as("queue gone").isFalse();
		this.protocol.expiringRead("q", "a", "e1", 7);
		assertThat(this.protocol.mayOpen("q", "a", 0)).as("expiry open").isFalse();
	}

	@Test
	void anExpiringRecordPausesTheKeyUntilItsExpiryCloses() {
		assertThat(this.protocol.expiring("q", "a")).isFalse();
		this.protocol.expiringRead("q", "a", "e1", 7);
		assertThat(this.protocol.expiring("q", "a")).isTrue();
		assertThat(this.protocol.expiring("q", "b")).isFalse();
		assertThat(this.protocol.expiryOffset("q", "a", "e1")).isEqualTo(7);
		assertThat(this.protocol.closeRead("q", "a", "e1", false, null)).isEqualTo(Closing.RESUMED);
		assertThat(this.protocol.expiring("q", "a")).isFalse();
		assertThat(this.protocol.expiryOffset("q", "a", "e1")).isNull();
	}

	@Test
	void theExpiringInstanceDeletesWhenNoProducerRenewedWithinTheCutoff() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		long opened = now();
		advance(15);
		assertThat(this.protocol.mayDelete("q", "a", "e1", 3L, opened)).isTrue();
		assertThat(this.protocol.mayDelete("q", "a", "e1", null, opened)).isTrue();
	}

	@Test
	void aKeyRecordAfterTheExpiringRecordKeepsTheQueue() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		long opened = now();
		advance(15);
		// A late publish: its producer announced the key after the expiry opened.
		assertThat(this.protocol.mayDelete("q", "a", "e1", 8L, opened)).isFalse();
	}

	@Test
	void theExpiringInstanceGivesUpPastTheCutoff() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		long opened = now();
		advance(20);
		assertThat(this.protocol.mayDelete("q", "a", "e1", null, opened)).isFalse();
	}

	@Test
	void anExpiryNotOpenHereIsNeverDeleted() {
		// Its record was not read yet (the log was behind), or it was closed meanwhile.
		assertThat(this.protocol.mayDelete("q", "a", "e1", null, now())).isFalse();
		this.protocol.expiringRead("q", "a", "e1", 7);
		this.protocol.closeRead("q", "a", "e1", false, null);
		assertThat(this.protocol.mayDelete("q", "a", "e1", null, now())).isFalse();
	}

	@Test
	void anExpiredRecordForgetsTheKey() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		assertThat(this.protocol.closeRead("q", "a", "e1", true, 3L)).isEqualTo(Closing.DELETED);
		assertThat(this.protocol.expiring("q", "a")).isFalse();
	}

	@Test
	void aKeyAnnouncedWhileItsQueueWasDeletedStaysKnown() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		// The producer saw the deletion before publishing and declares the queue again.
		assertThat(this.protocol.closeRead("q", "a", "e1", true, 9L)).isEqualTo(Closing.DELETED_AND_ANNOUNCED);
	}

	@Test
	void aClosingRecordOfAnExpiryNotOpenChangesNothing() {
		assertThat(this.protocol.closeRead("q", "a", "e1", true, null)).isEqualTo(Closing.NONE);
		this.protocol.expiringRead("q", "a", "e1", 7);
		assertThat(this.protocol.closeRead("q", "a", "other", false, null)).isEqualTo(Closing.NONE);
		assertThat(this.protocol.expiring("q", "a")).isTrue();
		this.protocol.closeRead("q", "a", "e1", false, null);
		// A second close of the same expiry (its instance and an abandoning one both wrote it).
		assertThat(this.protocol.closeRead("q", "a", "e1", false, null)).isEqualTo(Closing.NONE);
	}

	@Test
	void aKeyStaysPausedWhileAnotherOfItsExpiriesIsOpen() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		this.protocol.expiringRead("q", "a", "e2", 8);
		assertThat(this.protocol.closeRead("q", "a", "e1", false, null)).isEqualTo(Closing.STILL_EXPIRING);
		assertThat(this.protocol.expiring("q", "a")).isTrue();
		assertThat(this.protocol.closeRead("q", "a", "e2", false, null)).isEqualTo(Closing.RESUMED);
	}

	@Test
	void aRecordReadTwiceKeepsItsFirstPlace() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		this.protocol.expiringRead("q", "a", "e1", 12);
		assertThat(this.protocol.expiryOffset("q", "a", "e1")).isEqualTo(7);
	}

	@Test
	void anExpiryNobodyClosesIsAbandonedCountingFromWhenItWasRead() {
		this.protocol.expiringRead("q", "a", "e1", 7);
		advance(10);
		this.protocol.expiringRead("q", "b", "e2", 8);
		advance(30);
		assertThat(this.protocol.abandoned()).isEmpty();
		advance(0.001);
		assertThat(this.protocol.abandoned()).containsExactly(new Abandoned("q", "a", "e1"));
		// The caller closes it as kept, and the key is consumed again.
		assertThat(this.protocol.closeRead("q", "a", "e1", false, null)).isEqualTo(Closing.RESUMED);
		assertThat(this.protocol.abandoned()).isEmpty();
		advance(10);
		assertThat(this.protocol.abandoned()).containsExactly(new Abandoned("q", "b", "e2"));
	}

}
