package dev.llmxds.sim.envoy;

/**
 * One of Envoy's thread-aware hashing balancers as built for one host set ({@code
 * ThreadAwareLoadBalancerBase::HashingLoadBalancer} in {@code
 * source/extensions/load_balancing_policies/common/thread_aware_lb_impl.h}).
 */
public interface HashingLb {
  /** The index (into the host list it was built from) of the host for {@code hash}, or -1. */
  int choose(long hash);

  /**
   * Host weights normalised as Envoy's {@code normalizeHostWeights} does ({@code
   * thread_aware_lb_impl.cc}): each host's weight over the sum, in host order.
   */
  static double[] normalize(int[] weights) {
    long sum = 0;
    for (int w : weights) {
      sum += w;
    }
    double[] out = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      out[i] = (double) weights[i] / sum;
    }
    return out;
  }
}
