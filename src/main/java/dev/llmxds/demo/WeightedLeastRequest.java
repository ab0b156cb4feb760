package dev.llmxds.demo;

import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Envoy's least-request load balancer over one host set, as one sidecar worker runs it: our own
 * model of {@code source/extensions/load_balancing_policies/least_request/least_request_lb.cc} and
 * {@code EdfLoadBalancerBase} in {@code
 * source/extensions/load_balancing_policies/common/load_balancer_impl.cc} (formerly {@code
 * source/common/upstream/load_balancer_impl.cc}; github.com/envoyproxy/envoy); no Envoy code is
 * copied. The simulator's test-scope model ({@code sim/policy/EnvoyLeastRequest}) also reproduces
 * Envoy's seeded schedule start; this one serves the demo's sidecars.
 *
 * <ul>
 *   <li>When every host has the same weight: power of {@code choiceCount} choices ({@code
 *       unweightedHostPickNChoices}): hosts drawn at random with replacement, a later draw replaces
 *       the candidate only with strictly fewer active requests.
 *   <li>Otherwise an earliest-deadline-first schedule ({@code source/common/upstream/
 *       edf_scheduler.h}): each host has a deadline; a pick takes the earliest (the earlier added
 *       on ties), moves the scheduler's time there and puts the host back at {@code time + 1 /
 *       hostWeight}, with {@code hostWeight = weight / (active + 1)^bias} as of that pick ({@code
 *       LeastRequestLoadBalancer::hostWeight}, bias 1 by default).
 * </ul>
 *
 * A new host set or new weights rebuild the schedule from scratch (Envoy rebuilds on every update;
 * it also starts the schedule at a random pick count, which we leave out). Not thread-safe: one
 * instance per sidecar, used under its lock.
 */
public final class WeightedLeastRequest {
  private final Random random;
  private final int choiceCount;
  private final double bias;
  private int[] weights = new int[0];
  private double[] deadline;
  private long[] order;
  private double now;
  private long nextOrder;
  private boolean weighted;

  public WeightedLeastRequest(Random random, int choiceCount, double bias) {
    if (choiceCount < 2) {
      throw new IllegalArgumentException("choice_count must be at least 2: " + choiceCount);
    }
    this.random = random;
    this.choiceCount = choiceCount;
    this.bias = bias < 0 || Double.isNaN(bias) ? 1.0 : bias;
  }

  /** Envoy's defaults: choice_count 2, active_request_bias 1.0. */
  public WeightedLeastRequest(Random random) {
    this(random, 2, 1.0);
  }

  /** A new host set (index = host) with these weights; the schedule starts afresh. */
  public void update(List<Integer> hostWeights, IntUnaryOperator active) {
    int n = hostWeights.size();
    weights = new int[n];
    boolean equal = true;
    for (int i = 0; i < n; i++) {
      weights[i] = Math.max(1, hostWeights.get(i));
      equal &= weights[i] == weights[0];
    }
    weighted = !equal && n > 1;
    now = 0;
    nextOrder = 0;
    deadline = new double[n];
    order = new long[n];
    if (weighted) {
      for (int i = 0; i < n; i++) {
        deadline[i] = now + 1.0 / hostWeight(i, active.applyAsInt(i));
        order[i] = nextOrder++;
      }
    }
  }

  public int size() {
    return weights.length;
  }

  /** True when the weights differ and the EDF schedule is used (false: power of choices). */
  public boolean weighted() {
    return weighted;
  }

  /**
   * The host for the next request, or -1 without hosts.
   *
   * @param active each host's requests in flight, as this sidecar sees them
   */
  public int pick(IntUnaryOperator active) {
    int n = weights.length;
    if (n == 0) {
      return -1;
    }
    if (!weighted) {
      int best = -1;
      for (int i = 0; i < choiceCount; i++) {
        int candidate = random.nextInt(n);
        if (best < 0 || active.applyAsInt(candidate) < active.applyAsInt(best)) {
          best = candidate;
        }
      }
      return best;
    }
    int next = 0;
    for (int i = 1; i < n; i++) {
      if (deadline[i] < deadline[next]
          || (deadline[i] == deadline[next] && order[i] < order[next])) {
        next = i;
      }
    }
    now = deadline[next];
    deadline[next] = now + 1.0 / hostWeight(next, active.applyAsInt(next));
    order[next] = nextOrder++;
    return next;
  }

  /** {@code LeastRequestLoadBalancer::hostWeight} without slow start. */
  double hostWeight(int host, int active) {
    double requests = active + 1.0;
    if (bias == 1.0) {
      return weights[host] / requests;
    }
    return bias == 0.0 ? weights[host] : weights[host] / Math.pow(requests, bias);
  }
}
