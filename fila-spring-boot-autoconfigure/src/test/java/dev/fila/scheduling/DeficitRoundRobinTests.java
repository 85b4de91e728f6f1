package dev.fila.scheduling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
			String key = this.drr.next((candidate) -> (!blocked.contains(candidate)
					&& this.backlog.get(candidate).pollFirst() != null) ? candidate : null);
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
			String key = coarse.next((candidate) -> (left.merge(candidate, -1, Integer::sum) >= 0) ? candidate : null);
			served.add(key);
		}
		assertThat(served).containsExactly("a", "a", "a", "b", "b", "b", "a", "a", "a", "b", "b", "b");
	}

	@ParameterizedTest
	@ValueSource(doubles = { 0.1, 0.01, 0.0001 })
	void keyWithASmallWeightAloneIsServedAtEveryCall(double weight) {
		add("small", weight, 20);
		assertThat(serve(20, Set.of())).hasSize(20).containsOnly("small");
	}

	@Test
	void smallWeightsKeepTheirSharesBesideWeightOne() {
		add("one", 1, 10_000);
		add("tenth", 0.1, 10_000);
		add("hundredth", 0.01, 10_000);
		List<String> served = serve(1110, Set.of());
		assertThat(served).hasSize(1110);
		assertThat(served.stream().filter("one"::equals).count()).isCloseTo(1000, within(2L));
		assertThat(served.stream().filter("tenth"::equals).count()).isCloseTo(100, within(2L));
		assertThat(served.stream().filter("hundredth"::equals).count()).isCloseTo(10, within(2L));
	}

	@Test
	void onlySmallWeightsKeepTheirProportionalShares() {
		add("tenth", 0.1, 1000);
		add("hundredth", 0.01, 1000);
		List<String> served = serve(110, Set.of());
		assertThat(served).hasSize(110);
		assertThat(served.stream().filter("hundredth"::equals).count()).isCloseTo(10, within(1L));
	}

	/**
	 * Skipping rounds that serve nothing changes no order: the same as rounds played one by one
	 * (binary fractions as weights, so the two sums of credits are exactly equal).
	 */
	@Test
	void skippingEmptyRoundsGivesTheOrderOfRoundsPlayedOneByOne() {
		String[] keys = { "a", "b", "c", "d" };
		double[] weights = { 0.25, 0.0625, 0.125, 0.03125 };
		int[] counts = { 40, 9, 17, 5 };
		Map<String, Integer> left = new LinkedHashMap<>();
		for (int k = 0; k < keys.length; k++) {
			add(keys[k], weights[k], counts[k]);
			left.put(keys[k], counts[k]);
		}
		List<String> expected = new ArrayList<>();
		Map<String, Double> deficits = new HashMap<>();
		List<String> ring = new ArrayList<>(List.of(keys));
		while (!ring.isEmpty()) {
			for (String key : new ArrayList<>(ring)) {
				int k = List.of(keys).indexOf(key);
				double deficit = deficits.getOrDefault(key, 0.0) + weights[k];
				while (deficit >= 1 && left.get(key) > 0) {
					expected.add(key);
					deficit -= 1;
					left.merge(key, -1, Integer::sum);
				}
				deficits.put(key, deficit);
				if (left.get(key) == 0) {
					ring.remove(key);
				}
			}
		}
		assertThat(serve(71, Set.of())).isEqualTo(expected);
	}

	@Test
	void blockedKeyDoesNotHoldBackASmallWeight() {
		add("blocked", 1, 5);
		add("small", 0.01, 5);
		assertThat(serve(5, Set.of("blocked"))).containsExactly("small", "small", "small", "small", "small");
	}

	@Test
	void smallWeightsThatAreAllBlockedReturnNull() {
		add("a", 0.01, 5);
		add("b", 0.003, 5);
		assertThat(serve(1, Set.of("a", "b"))).isEmpty();
		assertThat(serve(2, Set.of("a"))).containsExactly("b", "b");
	}

	@Test
	void heldKeyStopsSmallWeightsFromSkippingAheadOfIt() {
		add("one", 1, 5);
		add("small", 0.01, 5);
		assertThat(this.drr.<String>next((key) -> {
			this.drr.hold(); // neither can serve; "one" is about to
			return null;
		})).isNull();
		assertThat(serve(1, Set.of("one"))).containsExactly("small");
	}

	@Test
	void heldKeyKeepsItsTurnAndCreditsAndNoOtherKeyIsServedMeanwhile() {
		add("a", 2, 5);
		add("b", 1, 5);
		assertThat(serve(1, Set.of())).containsExactly("a");
		assertThat(this.drr.<String>next((key) -> {
			this.drr.hold(); // "a" ran dry with a credit left; more of it is on its way
			return null;
		})).isNull();
		assertThat(serve(4, Set.of())).containsExactly("a", "b", "a", "a");
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
		assertThat(this.drr.<String>next((key) -> key)).isNull();
	}

	@Test
	void returnsWhatTheServerServed() {
		add("a", 1, 2);
		add("b", 1, 2);
		assertThat(this.drr.<String>next((key) -> key + ":" + this.backlog.get(key).pollFirst())).isEqualTo("a:0");
		assertThat(this.drr.<String>next((key) -> key + ":" + this.backlog.get(key).pollFirst())).isEqualTo("b:0");
		assertThat(this.drr.activeKeys()).containsExactly("a", "b");
	}

	@Test
	void rejectsANonPositiveQuantum() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DeficitRoundRobin<String>(0));
	}

}
