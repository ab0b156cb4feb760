package dev.llmxds.sim.policy;

import java.util.function.IntConsumer;

/**
 * Endpoint weights as each sidecar's Envoy holds them.
 *
 * <p>Envoy writes a received weight into the host object at once ({@code updateDynamicHostList} in
 * {@code source/common/upstream/upstream_impl.cc}), and its load balancers read it whenever they
 * compute a host weight; but they rebuild their schedules, and decide again between weighted and
 * unweighted picking, only when the update takes effect after the merge window. Hence two views:
 * {@link #weight} and the {@link #onApplied} events.
 */
public interface WeightSource {
  /** The weight {@code sidecar}'s Envoy holds for {@code engine} now. */
  int weight(int sidecar, int engine);

  /** Calls {@code listener} with the sidecar whenever an update takes effect there. */
  void onApplied(IntConsumer listener);

  double updatesPerSecond();
}
