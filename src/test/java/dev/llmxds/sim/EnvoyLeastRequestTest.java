package dev.llmxds.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.sim.policy.EnvoyLeastRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Envoy least-request model against hand-computed picks. */
class EnvoyLeastRequestTest {
  /** A Random whose nextInt returns a fixed script. */
  private static Random scripted(int... values) {
    return new Random() {
      private int i;

      @Override
      public int nextInt(int bound) {
        return values[i++ % values.length];
      }
    };
  }

  @Test
  void equalWeightsPowerOfTwoChoicesFewestActiveWinsFirstOnTies() {
    int[] hosts = {10, 11, 12};
    int[] weights = {5, 5, 5};
    int[] active = new int[13];
    active[10] = 3;
    active[11] = 1;
    active[12] = 1;
    // draws: host index 0 then 1 → 10 (3 active) vs 11 (1 active) → 11
    assertEquals(
        11, new EnvoyLeastRequest(scripted(0, 1), 2, 1.0).pick(hosts, weights, h -> active[h]));
    // draws 2 then 1: equal active → the first drawn (12) stays
    assertEquals(
        12, new EnvoyLeastRequest(scripted(2, 1), 2, 1.0).pick(hosts, weights, h -> active[h]));
    // with replacement: the same host twice
    assertEquals(
        10, new EnvoyLeastRequest(scripted(0, 0), 2, 1.0).pick(hosts, weights, h -> active[h]));
  }

  @Test
  void unequalWeightsEarliestDeadlineFirst() {
    // weights 1 and 2, nothing active: deadlines 1 and 0.5 → B; then A(1) ties B(1) → A (lower
    // index); then B(1) → next 1.5; B(1.5); then A(2) ties B(2) → A ... = B A B B A B
    EnvoyLeastRequest lb = new EnvoyLeastRequest(new Random(1), 2, 1.0);
    int[] hosts = {0, 1};
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picks.add(lb.pick(hosts, new int[] {1, 2}, h -> 0));
    }
    assertEquals(List.of(1, 0, 1, 1, 0, 1), picks);
  }

  @Test
  void activeRequestsDivideTheWeight() {
    // weights 2 and 3, host 1 has 2 active: effective 2/1 = 2 vs 3/3 = 1 → host 0 first
    EnvoyLeastRequest lb = new EnvoyLeastRequest(new Random(1), 2, 1.0);
    int[] active = {0, 2};
    assertEquals(0, lb.pick(new int[] {0, 1}, new int[] {2, 3}, h -> active[h]));
    // bias 0 ignores active requests (weighted round robin): host 1 (deadline 1/3) first
    EnvoyLeastRequest wrr = new EnvoyLeastRequest(new Random(1), 2, 0.0);
    assertEquals(1, wrr.pick(new int[] {0, 1}, new int[] {2, 3}, h -> active[h]));
  }
}
