package dev.llmxds.sim.policy;

import dev.llmxds.sim.envoy.BoundedLoad;
import dev.llmxds.sim.envoy.HashingLb;
import dev.llmxds.sim.envoy.Maglev;
import dev.llmxds.sim.envoy.RingHash;
import dev.llmxds.sim.envoy.XxHash64;
import dev.llmxds.sim.workload.Request;
import java.util.Arrays;
import java.util.Random;

/**
 * Envoy's RING_HASH or MAGLEV in every sidecar, hashing each request's session key (a route header
 * hash policy, {@code HeaderHashMethod} in {@code source/common/http/hash_policy.cc}, hashes the
 * header's values with {@code HashUtil::xxHash64} over their span; here the key's string through
 * XXH64 — whether Envoy's span form gives the same 64-bit value for one value was not checked,
 * which changes which GPU a key lands on but not how keys spread), optionally with bounded load
 * ({@code hash_balance_factor}, counted per sidecar as Envoy counts it) and with endpoint weights
 * from {@code weights} (null: all equal). A sidecar rebuilds its ring or table when a weight update
 * takes effect there or its host set changes, as Envoy's {@code
 * ThreadAwareLoadBalancerBase::refresh} does. A request without a key gets a random hash ({@code
 * LoadBalancerImpl::chooseHost} in {@code thread_aware_lb_impl.cc}: "If there is no hash in the
 * context, just choose a random value"), i.e. a random pick weighted by ring share.
 */
public final class SidecarHash implements Policy {
  /** Which table. */
  public enum Table {
    RING_HASH,
    MAGLEV
  }

  private final String name;
  private final Table table;
  private final int factor;
  private final WeightSource weights;
  private final int[][] active;
  private final Random[] random;
  private final HashingLb[] lb;
  private final int[][] builtFor;
  private final String[] addresses;

  /**
   * @param factor {@code hash_balance_factor}; 0: no bounded load
   */
  public SidecarHash(
      String name,
      Table table,
      int factor,
      int sidecars,
      int engines,
      long seed,
      WeightSource weights) {
    this.name = name;
    this.table = table;
    this.factor = factor;
    this.weights = weights;
    this.active = new int[sidecars][engines];
    this.random = new Random[sidecars];
    this.lb = new HashingLb[sidecars];
    this.builtFor = new int[sidecars][];
    this.addresses = new String[engines];
    for (int e = 0; e < engines; e++) {
      addresses[e] = address(e);
    }
    for (int s = 0; s < sidecars; s++) {
      random[s] = new Random(seed + s);
    }
    if (weights != null) {
      weights.onApplied(s -> lb[s] = null);
    }
  }

  /** The address Envoy hashes for an engine (the control plane's endpoint address). */
  public static String address(int engine) {
    return "127.0.0.1:" + (10_000 + engine);
  }

  /** The hash Envoy's header hash policy gives a session key. */
  public static long sessionHash(long session) {
    return XxHash64.hash("session-" + session);
  }

  @Override
  public String name() {
    return name;
  }

  private HashingLb build(int sidecar, int[] candidates) {
    String[] hosts = new String[candidates.length];
    int[] w = new int[candidates.length];
    for (int i = 0; i < candidates.length; i++) {
      hosts[i] = addresses[candidates[i]];
      w[i] = weights == null ? 1 : weights.weight(sidecar, candidates[i]);
    }
    HashingLb inner = table == Table.RING_HASH ? new RingHash(hosts, w) : new Maglev(hosts, w);
    if (factor == 0) {
      return inner;
    }
    int[] mine = active[sidecar];
    return new BoundedLoad(inner, w, factor, i -> mine[candidates[i]]);
  }

  @Override
  public int route(Request r, int[] candidates) {
    int s = r.sidecar;
    if (lb[s] == null || !Arrays.equals(builtFor[s], candidates)) {
      builtFor[s] = candidates.clone();
      lb[s] = build(s, builtFor[s]);
    }
    long hash = r.session >= 0 ? sessionHash(r.session) : random[s].nextLong();
    int engine = builtFor[s][lb[s].choose(hash)];
    active[s][engine]++;
    return engine;
  }

  @Override
  public void done(Request r) {
    active[r.sidecar][r.engine]--;
  }

  @Override
  public double weightUpdatesPerSecond() {
    return weights == null ? 0 : weights.updatesPerSecond();
  }
}
