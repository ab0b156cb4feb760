package dev.llmxds.sim.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.sim.policy.EnvoyLeastRequest.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The Envoy least-request model against hand-computed picks. */
class EnvoyLeastRequestTest {
  /**
   * A Random whose nextLong (the balancer's seed, drawn once) is {@code seed} and whose nextInt
   * returns a fixed script.
   */
  private static Random scripted(long seed, int... values) {
    return new Random() {
      private int i;

      @Override
      public long nextLong() {
        return seed;
      }

      @Override
      public int nextInt(int bound) {
        return values[i++ % values.length];
      }
    };
  }

  private static List<Integer> picks(
      EnvoyLeastRequest lb, int[] hosts, IntUnaryOperator weight, IntUnaryOperator active, int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(lb.pick(hosts, weight, active));
    }
    return out;
  }

  @Test
  void equalWeightsPowerOfTwoChoicesFewestActiveWinsFirstOnTies() {
    int[] hosts = {10, 11, 12};
    IntUnaryOperator weights = h -> 5;
    int[] active = new int[13];
    active[10] = 3;
    active[11] = 1;
    active[12] = 1;
    // draws: host index 0 then 1 → 10 (3 active) vs 11 (1 active) → 11
    assertEquals(
        11,
        new EnvoyLeastRequest(scripted(0, 0, 1), Config.DEFAULT)
            .pick(hosts, weights, h -> active[h]));
    // draws 2 then 1: equal active → the first drawn (12) stays
    assertEquals(
        12,
        new EnvoyLeastRequest(scripted(0, 2, 1), Config.DEFAULT)
            .pick(hosts, weights, h -> active[h]));
    // with replacement: the same host twice
    assertEquals(
        10,
        new EnvoyLeastRequest(scripted(0, 0, 0), Config.DEFAULT)
            .pick(hosts, weights, h -> active[h]));
  }

  @Test
  void unequalWeightsEarliestDeadlineFirstFromAFreshScheduleWhenTheSeedIsZero() {
    // weights 1 and 2, nothing active, 0 pre-picks: deadlines 1 and 0.5 → B; then A (1) ties
    // B (1) → A; then B (1) → next 1.5; B (1.5); then A (2) ties B (2) → A ... = B A B B A B
    EnvoyLeastRequest lb = new EnvoyLeastRequest(scripted(0), Config.DEFAULT);
    assertEquals(List.of(1, 0, 1, 1, 0, 1), picks(lb, new int[] {0, 1}, h -> h + 1, h -> 0, 6));
  }

  @Test
  void activeRequestsDivideTheWeight() {
    // weights 2 and 3, host 1 has 2 active: effective 2/1 = 2 vs 3/3 = 1 → host 0 first
    int[] active = {0, 2};
    IntUnaryOperator weights = h -> h + 2;
    EnvoyLeastRequest lb = new EnvoyLeastRequest(scripted(0), Config.DEFAULT);
    assertEquals(0, lb.pick(new int[] {0, 1}, weights, h -> active[h]));
    // bias 0 ignores active requests (weighted round robin): host 1 (deadline 1/3) first
    EnvoyLeastRequest wrr = new EnvoyLeastRequest(scripted(0), Config.DEFAULT.withBias(0.0));
    assertEquals(1, wrr.pick(new int[] {0, 1}, weights, h -> active[h]));
  }

  @Test
  void theScheduleStartsAtTheBalancersOwnSeedTakenAsA32BitPickCount() {
    // Envoy draws a 64-bit seed; createWithPicks takes it as uint32_t: the low 32 bits, here 7.
    EnvoyLeastRequest lb = new EnvoyLeastRequest(scripted(0x0000_0005_0000_0007L), Config.DEFAULT);
    assertEquals(7, lb.picks());
    // weights 2, 4, 9 with 1, 1, 2 active: effective weights 1, 2, 3 at the rebuild. With 7
    // pre-picks the next picks are h1 h2 h0 h1 h2 h2 (EdfSchedulerTest has the hand computation);
    // a fresh schedule would start h2 h1 h2 h0 h1 h2.
    int[] hosts = {10, 11, 12};
    int[] weight = new int[13];
    weight[10] = 2;
    weight[11] = 4;
    weight[12] = 9;
    int[] active = new int[13];
    active[10] = 1;
    active[11] = 1;
    active[12] = 2;
    List<Integer> first = picks(lb, hosts, h -> weight[h], h -> active[h], 6);
    assertEquals(List.of(11, 12, 10, 11, 12, 12), first);
    // every rebuild starts again at the same pick count (the seed is drawn once per balancer)
    lb.refresh(h -> weight[h], h -> active[h]);
    assertEquals(first, picks(lb, hosts, h -> weight[h], h -> active[h], 6));
  }

  @Test
  void balancersWithDifferentSeedsStartAtDifferentPoints() {
    int[] hosts = {0, 1, 2, 3};
    IntUnaryOperator weight = h -> new int[] {3, 5, 7, 11}[h];
    EnvoyLeastRequest a = new EnvoyLeastRequest(new Random(1), Config.DEFAULT);
    EnvoyLeastRequest b = new EnvoyLeastRequest(new Random(2), Config.DEFAULT);
    assertNotEquals(a.picks(), b.picks());
    assertNotEquals(picks(a, hosts, weight, h -> 0, 8), picks(b, hosts, weight, h -> 0, 8));
  }

  @Test
  void aPickedHostGoesBackWithItsWeightAsOfThatPick() {
    // weights 1 and 2, 0 pre-picks: h1 (deadline 0.5) first, back at 1. Unchanged weights then
    // give h0 (1 minus epsilon) h1 (1) h1 (1.5) h0 (2 minus epsilon) h1 (2).
    int[] hosts = {0, 1};
    int[] same = {1, 2};
    EnvoyLeastRequest a = new EnvoyLeastRequest(scripted(0), Config.DEFAULT);
    assertEquals(List.of(1, 0, 1, 1, 0, 1), picks(a, hosts, h -> same[h], h -> 0, 6));
    // Now h0's weight becomes 8 in place after the first pick (received, not yet applied: no
    // rebuild). h0 is picked at 1 and goes back with 8, at 1 + 1/8: h0 h1 h0 h0 h0.
    int[] weight = {1, 2};
    EnvoyLeastRequest b = new EnvoyLeastRequest(scripted(0), Config.DEFAULT);
    assertEquals(1, b.pick(hosts, h -> weight[h], h -> 0));
    weight[0] = 8;
    assertEquals(List.of(0, 1, 0, 0, 0), picks(b, hosts, h -> weight[h], h -> 0, 5));
  }

  @Test
  void activeRequestsAtThePickSetWhereTheHostGoesBack() {
    // As above, but after the first pick h0 gets 3 requests in flight: picked at 1, it goes back
    // with weight 1/4, at 1 + 4 = 5, and h1 (1, 1.5, 2, 2.5) takes the next four.
    int[] hosts = {0, 1};
    int[] active = {0, 0};
    EnvoyLeastRequest lb = new EnvoyLeastRequest(scripted(0), Config.DEFAULT);
    assertEquals(1, lb.pick(hosts, h -> h + 1, h -> active[h]));
    active[0] = 3;
    assertEquals(List.of(0, 1, 1, 1, 1), picks(lb, hosts, h -> h + 1, h -> active[h], 5));
  }

  @Test
  void weightsChangedInPlaceDoNotSwitchToWeightedUntilTheRebuild() {
    int[] hosts = {0, 1, 2};
    int[] weight = {1, 1, 1};
    EnvoyLeastRequest lb = new EnvoyLeastRequest(new Random(3), Config.DEFAULT);
    lb.pick(hosts, h -> weight[h], h -> 0);
    assertFalse(lb.weighted(hosts));
    weight[2] = 3;
    lb.pick(hosts, h -> weight[h], h -> 0);
    assertFalse(lb.weighted(hosts), "Envoy pivots on the schedule built at the last rebuild");
    lb.refresh(h -> weight[h], h -> 0);
    assertTrue(lb.weighted(hosts));
    weight[2] = 1;
    lb.refresh(h -> weight[h], h -> 0);
    assertFalse(lb.weighted(hosts));
  }

  @Test
  void anExplicitBiasForcesTheWeightedPathWhenTheRuntimeGuardIsOn() {
    int[] hosts = {10, 11, 12};
    IntUnaryOperator weights = h -> 5;
    int[] active = new int[13];
    active[10] = 3;
    active[11] = 1;
    active[12] = 1;
    // P2C whose draws are always host 10 would pick 10 every time.
    // Bias 1.0 set explicitly, guard on (current Envoy): a schedule over effective weights
    // 5/4, 5/2, 5/2 from 0 pre-picks: deadlines 0.8, 0.4, 0.4 → 11, 12 (ties by index), then
    // 10 (0.8 minus epsilon) before 11 and 12 back at 0.8.
    Config explicit = Config.DEFAULT.withBias(1.0);
    EnvoyLeastRequest forced = new EnvoyLeastRequest(scripted(0, 0), explicit);
    assertEquals(List.of(11, 12, 10, 11, 12), picks(forced, hosts, weights, h -> active[h], 5));
    assertTrue(forced.weighted(hosts));
    // guard off: the explicit bias is ignored with equal weights (P2C)
    EnvoyLeastRequest guardOff =
        new EnvoyLeastRequest(scripted(0, 0), explicit.withBiasForcesWeighted(false));
    assertEquals(List.of(10, 10, 10), picks(guardOff, hosts, weights, h -> active[h], 3));
    assertFalse(guardOff.weighted(hosts));
    // no explicit bias: P2C whatever the guard says
    EnvoyLeastRequest unset = new EnvoyLeastRequest(scripted(0, 0), Config.DEFAULT);
    assertEquals(List.of(10, 10, 10), picks(unset, hosts, weights, h -> active[h], 3));
  }
}
