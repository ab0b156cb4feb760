package dev.llmxds.sim.envoy;

import java.util.function.IntUnaryOperator;

/**
 * Envoy's bounded-load consistent hashing ({@code BoundedLoadHashingLoadBalancer} in {@code
 * source/extensions/load_balancing_policies/common/thread_aware_lb_impl.cc}, set by {@code
 * hash_balance_factor}): the hashed host is taken unless its active requests exceed its slots,
 * {@code max(ceil(ceil((clusterActive + 1) × factor / 100) × normalisedWeight), 1)}, counted by
 * this Envoy alone (the cluster's {@code upstream_rq_active} and the host's {@code rq_active}
 * stats); otherwise hosts are probed in an order shuffled by a {@code std::mt19937} seeded with the
 * request hash (so a key always probes the same way), and the first within its slots wins, else the
 * least overloaded.
 */
public final class BoundedLoad implements HashingLb {
  private final HashingLb inner;
  private final double[] weights;
  private final int factor;
  private final IntUnaryOperator active;

  /**
   * @param weights the hosts' weights, in the order {@code inner} was built with
   * @param factor {@code hash_balance_factor} (percent, ≥ 100)
   * @param active this Envoy's active requests per host index
   */
  public BoundedLoad(HashingLb inner, int[] weights, int factor, IntUnaryOperator active) {
    this.inner = inner;
    this.weights = HashingLb.normalize(weights);
    this.factor = factor;
    this.active = active;
  }

  private double overload(int host, long clusterActive) {
    long totalSlots = ((clusterActive + 1) * factor + 99) / 100;
    long slots = Math.max((long) Math.ceil(totalSlots * weights[host]), 1);
    return (double) active.applyAsInt(host) / slots;
  }

  @Override
  public int choose(long hash) {
    int host = inner.choose(hash);
    if (host < 0) {
      return host;
    }
    long clusterActive = 0;
    for (int i = 0; i < weights.length; i++) {
      clusterActive += active.applyAsInt(i);
    }
    double overload = overload(host, clusterActive);
    if (overload <= 1.0) {
      return host;
    }
    int n = weights.length;
    int[] index = new int[n];
    for (int i = 0; i < n; i++) {
      index[i] = i;
    }
    Mt19937 random = new Mt19937(hash);
    int least = host;
    double leastOverload = overload;
    for (int i = 0; i < n; i++) {
      int j = uniform(random, n - i);
      int t = index[i];
      index[i] = index[i + j];
      index[i + j] = t;
      int k = index[i];
      if (k == host) {
        continue;
      }
      double o = overload(k, clusterActive);
      if (o <= 1.0) {
        return k;
      }
      if (leastOverload > o) {
        least = k;
        leastOverload = o;
      }
    }
    return least;
  }

  /** Envoy's {@code uniform_int}: a number in [0, k) from the generator. */
  static int uniform(Mt19937 random, int k) {
    long bucket = (0xFFFFFFFFL + 1) / k;
    long x = k;
    while (x >= k) {
      x = random.next() / bucket;
    }
    return (int) x;
  }
}
