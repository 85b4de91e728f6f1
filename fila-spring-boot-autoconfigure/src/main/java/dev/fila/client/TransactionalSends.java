package dev.fila.client;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Defers sends to the commit of the current Spring transaction. Loaded only with
 * {@code fila.template.transactional=true}: spring-tx is an optional dependency.
 */
final class TransactionalSends {

	private TransactionalSends() {
	}

	/** @return whether a transaction whose commit can be waited for is active on this thread */
	static boolean inTransaction() {
		return TransactionSynchronizationManager.isSynchronizationActive()
				&& TransactionSynchronizationManager.isActualTransactionActive();
	}

	/**
	 * @param send runs after the transaction commits, on the committing thread; never on
	 * rollback
	 */
	static void afterCommit(Runnable send) {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			@Override
			public void afterCommit() {
				send.run();
			}

		});
	}

}
