package dev.llmxds.sim.policy;

import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.workload.Request;
import java.util.List;

/**
 * A global oracle that knows every GPU's prefix cache and load at each arrival (the bound a
 * cache-aware router such as SGLang's or llm-d's approaches): it sends a request to the GPU holding
 * the longest cached prefix of it unless that GPU's load ({@code (running + waiting) / speed}) is
 * more than 1.5× the least loaded GPU's plus 8, in which case the request goes where {@link Oracle}
 * would send it.
 */
public final class CacheOracle implements Policy {
  private final List<SimEngine> engines;
  private final Oracle fallback;

  public CacheOracle(List<SimEngine> engines) {
    this.engines = engines;
    this.fallback = new Oracle(engines);
  }

  @Override
  public String name() {
    return "cache-aware oracle (global)";
  }

  private double load(SimEngine e) {
    return (e.running() + e.waiting()) / e.speed();
  }

  @Override
  public int route(Request r, int[] candidates) {
    double least = Double.MAX_VALUE;
    for (int e : candidates) {
      least = Math.min(least, load(engines.get(e)));
    }
    int best = -1;
    int bestCached = 0;
    double bestLoad = Double.MAX_VALUE;
    for (int e : candidates) {
      SimEngine engine = engines.get(e);
      int cached = engine.cachedTokens(r);
      double load = load(engine);
      if (cached > 0
          && load <= 1.5 * least + 8
          && (cached > bestCached || (cached == bestCached && load < bestLoad))) {
        best = e;
        bestCached = cached;
        bestLoad = load;
      }
    }
    return best >= 0 ? best : fallback.route(r, candidates);
  }
}
