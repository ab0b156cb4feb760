package dev.llmxds.sim.policy;

import dev.llmxds.sim.Request;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Envoy least request in every sidecar, each counting only its own active requests; weights from
 * {@code weights} (null: all equal, plain Envoy least request). Each sidecar applies new weights at
 * its own update merge window boundary.
 */
public final class SidecarLeastRequest implements Policy {
  private final String name;
  private final EnvoyLeastRequest[] balancers;
  private final int[][] active;
  private final WeightSource weights;

  public SidecarLeastRequest(
      String name, int sidecars, int engines, long seed, WeightSource weights) {
    this.name = name;
    this.weights = weights;
    balancers = new EnvoyLeastRequest[sidecars];
    active = new int[sidecars][engines];
    for (int i = 0; i < sidecars; i++) {
      balancers[i] = new EnvoyLeastRequest(new Random(seed + i), 2, 1.0);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int route(Request r, int[] candidates) {
    int[] w = new int[candidates.length];
    IntFunction<Integer> weightOf = weights == null ? e -> 1 : e -> weights.weight(r.sidecar, e);
    for (int i = 0; i < candidates.length; i++) {
      w[i] = weightOf.apply(candidates[i]);
    }
    int[] mine = active[r.sidecar];
    int engine = balancers[r.sidecar].pick(candidates, w, e -> mine[e]);
    mine[engine]++;
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
