package dev.llmxds.sim.policy;

import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.workload.Request;
import java.util.List;

/**
 * The global oracle: knows every engine's true batch, queue and speed at the instant of each
 * arrival. A request joins an engine with a free batch slot if there is one (least loaded per unit
 * of speed, {@code (running + 1) / speed}); otherwise the shortest expected wait, {@code (waiting +
 * 1) / speed}.
 */
public final class Oracle implements Policy {
  private final List<SimEngine> engines;

  public Oracle(List<SimEngine> engines) {
    this.engines = engines;
  }

  @Override
  public String name() {
    return "oracle (global, free slot else shortest wait)";
  }

  @Override
  public int route(Request r, int[] candidates) {
    int best = candidates[0];
    double bestScore = Double.MAX_VALUE;
    for (int e : candidates) {
      SimEngine engine = engines.get(e);
      boolean slot = engine.waiting() == 0 && engine.running() < engine.maxNumSeqs();
      double score =
          slot
              ? (engine.running() + 1) / engine.speed()
              : 1e6 + (engine.waiting() + 1) / engine.speed();
      if (score < bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best;
  }
}
