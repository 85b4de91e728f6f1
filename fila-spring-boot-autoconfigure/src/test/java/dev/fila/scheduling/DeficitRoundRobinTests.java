package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class DeficitRoundRobinTests {

	/** Backlogs per key, served through the scheduler like a driver does. */
	private final Map<String, ArrayDeque<Integer>> backlog = new LinkedHashMap<>();

	private final DeficitRoundRobin<String> drr = new DeficitRoundRobin<>(1);

	private void add(String key, double weight, int count) {
		ArrayDeque<Integer> queue = this.backlog.computeIfAbsent(key, (k) -> new ArrayDeque<>());
		for (int i = 0; i < count; i++) {
			queue.add(i);
		}
		this.drr.activate(key, weight);
	}

	private List<String> serve(int count, Set<String> blocked) {
		List<String> served = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String key = this.drr.next((candidate) -> !blocked.contains(candidate)
					&& this.backlog.get(candidate).pollFirst() != null);
			if (key == null) {
				break;
			}
			served.add(key);
			if (this.backlog.get(key).isEmpty()) {
				this.drr.deactivate(key);
			}
		}
		return served;
	}

	@Test
	void alternatesBetweenEqualKeys() {
		add("a", 1, 3);
		add("b", 1, 3);
		assertThat(serve(6, Set.of())).containsExactly("a", "b", "a", "b", "a", "b");
	}

	@Test
	void servesKeysInProportionToTheirWeights() {
		add("light", 1, 1000);
		add("heavy", 3, 1000);
		List<String> served = serve(400, Set.of());
		assertThat(served.stream().filter("heavy"::equals).count()).isEqualTo(300);
		assertThat(served.subList(0, 4)).containsExactly("light", "heavy", "heavy", "heavy");
	}

	@Test
	void fractionalWeightsCarryCreditsOverTurns() {
		add("half", 0.5, 100);
		add("one", 1, 100);
		List<String> served = serve(90, Set.of());
		double halfShare = served.stream().filter("half"::equals).count() / 90.0;
		assertThat(halfShare).isCloseTo(1 / 3.0, within(0.02));
	}

	@Test
	void quantumGivesEachTurnMoreMessages() {
		DeficitRoundRobin<String> coarse = new DeficitRoundRobin<>(3);
		Map<String, Integer> left = new HashMap<>(Map.of("a", 6, "b", 6));
		coarse.activate("a", 1);
		coarse.activate("b", 1);
		List<String> served = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			String key = coarse.next((candidate) -> left.merge(candidate, -1, Integer::sum) >= 0);
			served.add(key);
		}
		assertThat(served).containsExactly("a", "a", "a", "b", "b", "b", "a", "a", "a", "b", "b", "b");
	}

	@Test
	void skipsBlockedKeysAndReturnsNullWhenAllAreBlocked() {
		add("a", 1, 5);
		add("b", 1, 5);
		assertThat(serve(4, Set.of("a"))).containsExactly("b", "b", "b", "b");
		assertThat(serve(1, Set.of("a", "b"))).isEmpty();
	}

	@Test
	void blockedKeyDoesNotBankCredits() {
		add("a", 5, 100);
		add("b", 1, 100);
		serve(1, Set.of("a"));
		List<String> served = serve(12, Set.of());
		assertThat(served.stream().filter("a"::equals).count()).isEqualTo(10);
	}

	@Test
	void deactivatedKeyRejoinsAtTheEnd() {
		add("a", 1, 1);
		add("b", 1, 2);
		assertThat(serve(2, Set.of())).containsExactly("a", "b");
		assertThat(this.drr.isActive("a")).isFalse();
		add("a", 1, 1);
		assertThat(serve(3, Set.of())).containsExactly("b", "a");
		assertThat(this.drr.size()).isZero();
	}

	@Test
	void emptySchedulerReturnsNull() {
		assertThat(this.drr.next((key) -> true)).isNull();
	}

	@Test
	void rejectsANonPositiveQuantum() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DeficitRoundRobin<String>(0));
	}

}
