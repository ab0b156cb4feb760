package dev.llmxds.sim.policy;

import dev.llmxds.sim.workload.Request;

/** Envoy round robin, per sidecar. */
public final class RoundRobin implements Policy {
  private final int[] next;

  public RoundRobin(int sidecars) {
    next = new int[sidecars];
    for (int i = 0; i < sidecars; i++) {
      next[i] = i * 7;
    }
  }

  @Override
  public String name() {
    return "round robin";
  }

  @Override
  public int route(Request r, int[] candidates) {
    return candidates[Math.floorMod(next[r.sidecar]++, candidates.length)];
  }
}
