package dev.llmxds.sim.policy;

import dev.llmxds.sim.envoy.EdfScheduler;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Our model of one Envoy least-request load balancer (one worker of one sidecar), after Envoy's
 * {@code source/extensions/load_balancing_policies/least_request/least_request_lb.{h,cc}} and
 * {@code EdfLoadBalancerBase} in {@code
 * source/extensions/load_balancing_policies/common/load_balancer_impl.cc}.
 *
 * <ul>
 *   <li><b>Seed.</b> The balancer draws one random number when it is created ({@code seed_}) and
 *       passes it, as a 32-bit pick count, to {@code createWithPicks} on every rebuild: a fixed
 *       per-balancer starting point, not a fresh one per rebuild.
 *   <li><b>Rebuild</b> ({@code refresh}) happens when the host set or the weights change, i.e. when
 *       an update takes effect after the merge window. Per host set it decides once: if all hosts
 *       have the same weight (and the bias does not force weighting), no schedule, power of {@code
 *       choiceCount} choices; otherwise (and at least two hosts) an {@link EdfScheduler} started
 *       with {@code createWithPicks(seed)} from every host's weight as of the rebuild.
 *   <li><b>Host weight</b> ({@code hostWeight}): {@code weight / (active + 1)^bias}, the weight
 *       being the host's current one and active its requests in flight at that moment; bias 1
 *       divides exactly, bias 0 ignores active requests.
 *   <li><b>Weighted pick</b>: the earliest deadline; the host goes back with its host weight as of
 *       that pick (before the new request counts as active).
 *   <li><b>Unweighted pick</b> ({@code unweightedHostPickNChoices}): {@code choiceCount} hosts
 *       drawn with replacement; a later draw replaces the candidate only with strictly fewer active
 *       requests, so ties keep the first drawn.
 *   <li><b>Bias forces weighted</b>: when {@code active_request_bias} is set explicitly and the
 *       runtime guard {@code envoy.reloadable_features.least_request_lb_active_request_bias_forces
 *       _weighted} is on, the schedule is built even when all weights are equal.
 * </ul>
 *
 * Schedules are kept per host set, as Envoy keeps one per host source (priority, locality). Not
 * modelled: slow start, FULL_SCAN, pending-request counting (off by default), several workers.
 */
public final class EnvoyLeastRequest {
  /**
   * @param choiceCount {@code choice_count} (Envoy default 2)
   * @param activeRequestBias {@code active_request_bias} if set explicitly (else 1.0 applies)
   * @param biasForcesWeighted the runtime guard {@code
   *     least_request_lb_active_request_bias_forces_weighted}; on in current Envoy
   */
  public record Config(
      int choiceCount, OptionalDouble activeRequestBias, boolean biasForcesWeighted) {
    /** A cluster that sets nothing, on current Envoy. */
    public static final Config DEFAULT = new Config(2, OptionalDouble.empty(), true);

    public Config {
      if (choiceCount < 2) {
        throw new IllegalArgumentException("choice_count must be at least 2: " + choiceCount);
      }
    }

    public Config withBias(double bias) {
      return new Config(choiceCount, OptionalDouble.of(bias), biasForcesWeighted);
    }

    public Config withBiasForcesWeighted(boolean on) {
      return new Config(choiceCount, activeRequestBias, on);
    }
  }

  private record Source(int[] hosts, EdfScheduler edf) {}

  private final Random random;
  private final Config config;
  private final double bias;
  private final boolean alwaysWeighted;
  private final long picks;
  private final Map<HostSet, Source> sources = new HashMap<>();

  public EnvoyLeastRequest(Random random, Config config) {
    this.random = random;
    this.config = config;
    double b = config.activeRequestBias().orElse(1.0);
    this.bias = b < 0 || Double.isNaN(b) ? 1.0 : b; // Envoy warns and uses 1.0
    this.alwaysWeighted = config.activeRequestBias().isPresent() && config.biasForcesWeighted();
    // seed_ = random_.random() (64 bits), handed to createWithPicks as uint32_t: the low 32 bits.
    this.picks = Integer.toUnsignedLong((int) random.nextLong());
  }

  public Config config() {
    return config;
  }

  /** The pick count every rebuild starts its schedule at (before Envoy's modulo). */
  public long picks() {
    return picks;
  }

  /** True if this host set is served by a weighted schedule (false: power of choices). */
  public boolean weighted(int[] hosts) {
    Source s = sources.get(new HostSet(hosts));
    return s != null && s.edf != null;
  }

  /**
   * Rebuilds every host set's schedule from the weights and active requests as of now: Envoy's
   * refresh when an update takes effect.
   */
  public void refresh(IntUnaryOperator weight, IntUnaryOperator active) {
    for (Map.Entry<HostSet, Source> e : sources.entrySet()) {
      e.setValue(build(e.getValue().hosts, weight, active));
    }
  }

  /**
   * Picks one of {@code hosts} (engine ids). A host set not seen before is built now (a host-set
   * change rebuilds at once).
   *
   * @param weight each host's current weight
   * @param active each host's requests in flight as this balancer sees them
   */
  public int pick(int[] hosts, IntUnaryOperator weight, IntUnaryOperator active) {
    Source s = sources.get(new HostSet(hosts));
    if (s == null) {
      int[] copy = hosts.clone();
      s = build(copy, weight, active);
      sources.put(new HostSet(copy), s);
    }
    if (s.edf == null) {
      return unweighted(s.hosts, active);
    }
    int[] h = s.hosts;
    return h[s.edf.pickAndAdd(i -> hostWeight(weight.applyAsInt(h[i]), active.applyAsInt(h[i])))];
  }

  private Source build(int[] hosts, IntUnaryOperator weight, IntUnaryOperator active) {
    boolean equal = true;
    for (int h : hosts) {
      equal &= weight.applyAsInt(h) == weight.applyAsInt(hosts[0]);
    }
    if ((!alwaysWeighted && equal) || hosts.length <= 1) {
      return new Source(hosts, null);
    }
    return new Source(
        hosts,
        EdfScheduler.createWithPicks(
            hosts.length,
            i -> hostWeight(weight.applyAsInt(hosts[i]), active.applyAsInt(hosts[i])),
            picks));
  }

  private int unweighted(int[] hosts, IntUnaryOperator active) {
    int best = -1;
    for (int i = 0; i < config.choiceCount(); i++) {
      int candidate = hosts[random.nextInt(hosts.length)];
      if (best < 0 || active.applyAsInt(candidate) < active.applyAsInt(best)) {
        best = candidate;
      }
    }
    return best;
  }

  /** Envoy's {@code LeastRequestLoadBalancer::hostWeight} (no slow start). */
  double hostWeight(int weight, int active) {
    double requests = active + 1.0;
    if (bias == 1.0) {
      return weight / requests;
    }
    if (bias != 0.0) {
      return weight / Math.pow(requests, bias);
    }
    return weight;
  }

  private static final class HostSet {
    private final int[] hosts;
    private final int hash;

    HostSet(int[] hosts) {
      this.hosts = hosts;
      this.hash = Arrays.hashCode(hosts);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof HostSet other && Arrays.equals(hosts, other.hosts);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
