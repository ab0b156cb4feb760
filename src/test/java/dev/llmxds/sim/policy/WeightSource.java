package dev.llmxds.sim.policy;

/** Endpoint weights as each sidecar currently applies them. */
public interface WeightSource {
  int weight(int sidecar, int engine);

  double updatesPerSecond();
}
