package dev.llmxds.sim.policy;

import dev.llmxds.sim.workload.Request;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Envoy least request in every sidecar, each counting only its own active requests; weights from
 * {@code weights} (null: all equal, plain Envoy least request). Each sidecar's balancer rebuilds
 * when an update takes effect there (see {@link WeightSource}).
 */
public final class SidecarLeastRequest implements Policy {
  private final String name;
  private final EnvoyLeastRequest[] balancers;
  private final int[][] active;
  private final WeightSource weights;

  public SidecarLeastRequest(
      String name, int sidecars, int engines, long seed, WeightSource weights) {
    this(name, sidecars, engines, seed, weights, EnvoyLeastRequest.Config.DEFAULT);
  }

  public SidecarLeastRequest(
      String name,
      int sidecars,
      int engines,
      long seed,
      WeightSource weights,
      EnvoyLeastRequest.Config config) {
    this.name = name;
    this.weights = weights;
    balancers = new EnvoyLeastRequest[sidecars];
    active = new int[sidecars][engines];
    for (int i = 0; i < sidecars; i++) {
      balancers[i] = new EnvoyLeastRequest(new Random(seed + i), config);
    }
    if (weights != null) {
      weights.onApplied(s -> balancers[s].refresh(weightsOf(s), e -> active[s][e]));
    }
  }

  private IntUnaryOperator weightsOf(int sidecar) {
    return weights == null ? e -> 1 : e -> weights.weight(sidecar, e);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int route(Request r, int[] candidates) {
    int[] mine = active[r.sidecar];
    int engine = balancers[r.sidecar].pick(candidates, weightsOf(r.sidecar), e -> mine[e]);
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
