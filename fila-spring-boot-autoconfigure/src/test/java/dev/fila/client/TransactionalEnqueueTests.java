package dev.fila.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

import dev.fila.core.FilaDelivery;
import dev.fila.core.FilaPayloadConverter;
import dev.fila.driver.FilaDrivers;
import dev.fila.driver.memory.MemoryDriver;
import dev.fila.queue.DefaultQueuePolicyFactory;
import dev.fila.queue.FilaQueues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * With fila.template.transactional, an enqueue inside a Spring transaction leaves when the
 * transaction commits, with the id the call returned, and never when it rolls back.
 */
class TransactionalEnqueueTests {

	private final MemoryDriver driver = new MemoryDriver("memory");

	private final DefaultFilaTemplate template = new DefaultFilaTemplate(
			new FilaQueues(new FilaDrivers(Map.of("memory", this.driver), "memory"), Map.of(),
					new DefaultQueuePolicyFactory()),
			new FilaPayloadConverter(JsonMapper.builder().build()));

	private final TransactionTemplate transactions = new TransactionTemplate(new NoResourceTransactionManager());

	@Test
	void aCommittedTransactionSendsItsEnqueuesWithTheReturnedIdsAndARolledBackOneNothing() {
		this.template.setTransactional(true);
		List<String> ids = this.transactions.execute((status) -> {
			String one = this.template.enqueue("orders", "o-1");
			List<String> batch = this.template.enqueueAll("orders", List.of("o-2", "o-3"));
			// Nothing leaves before the commit.
			assertThat(this.driver.stats("orders").pending()).isZero();
			return List.of(one, batch.get(0), batch.get(1));
		});
		assertThat(this.driver.stats("orders").pending()).isEqualTo(3);
		for (String id : ids) {
			FilaDelivery delivery = this.template.receive("orders", Duration.ofSeconds(1)).orElseThrow();
			assertThat(ids).contains(delivery.id());
			delivery.ack();
		}
		this.transactions.executeWithoutResult((status) -> {
			this.template.enqueue("orders", "never");
			status.setRollbackOnly();
		});
		assertThat(this.driver.stats("orders").pending()).isZero();
	}

	@Test
	void withoutATransactionOrWithoutTheSettingEnqueuesLeaveAtOnce() {
		this.template.setTransactional(true);
		this.template.enqueue("orders", "outside");
		assertThat(this.driver.stats("orders").pending()).isEqualTo(1);
		this.template.setTransactional(false);
		this.transactions.executeWithoutResult((status) -> {
			this.template.enqueue("orders", "inside");
			assertThat(this.driver.stats("orders").pending()).isEqualTo(2);
			status.setRollbackOnly();
		});
		assertThat(this.driver.stats("orders").pending()).isEqualTo(2);
	}

	@Test
	void aRequestInsideATransactionIsNotDeferredOrItsReplyCouldNeverCome() {
		this.template.setTransactional(true);
		assertThatIllegalStateException().isThrownBy(() -> this.transactions.executeWithoutResult((status) -> {
			try {
				this.template.request("orders", Map.of(), "ping", String.class, Duration.ofMillis(200));
			}
			catch (dev.fila.core.FilaTimeoutException ex) {
				// No responder: the request was sent (it waits in the queue), not held for the commit.
				assertThat(this.driver.stats("orders").pending()).isEqualTo(1);
				throw new IllegalStateException("timed out as expected");
			}
		}));
	}

	/** Transactions with nothing behind them: enough for synchronizations to run. */
	static final class NoResourceTransactionManager extends AbstractPlatformTransactionManager {

		@Override
		protected Object doGetTransaction() {
			return new Object();
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
		}

		@Override
		protected void doRollback(DefaultTransactionStatus status) {
		}

	}

}
