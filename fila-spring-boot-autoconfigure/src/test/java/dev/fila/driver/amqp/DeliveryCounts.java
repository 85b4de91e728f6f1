package dev.fila.driver.amqp;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * What a loss test reports: messages sent (confirmed by the broker), acked (distinct messages
 * handled), lost (sent but never handled) and duplicated (handled more than once, counted per
 * extra handling).
 */
record DeliveryCounts(int sent, int acked, int lost, int duplicated) {

	/**
	 * @param sent the ids the broker confirmed
	 * @param handled the id of every handling, in any order, duplicates included
	 */
	static DeliveryCounts of(Collection<String> sent, Collection<String> handled) {
		Set<String> distinct = new HashSet<>(handled);
		Set<String> lost = new HashSet<>(sent);
		lost.removeAll(distinct);
		return new DeliveryCounts(sent.size(), distinct.size(), lost.size(), handled.size() - distinct.size());
	}

	@Override
	public String toString() {
		return "sent=" + this.sent + " acked=" + this.acked + " lost=" + this.lost + " duplicated=" + this.duplicated;
	}

}
