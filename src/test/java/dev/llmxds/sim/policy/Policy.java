package dev.llmxds.sim.policy;

import dev.llmxds.sim.workload.Request;

/** A routing policy: which engine a request goes to, and what it learns as requests finish. */
public interface Policy {
  String name();

  /** Picks one of {@code candidates} (engine ids, all alive) for {@code r}. */
  int route(Request r, int[] candidates);

  /** The request left the engine (finished or failed). */
  default void done(Request r) {}

  /** Weight changes published per second, for policies whose weights move; else 0. */
  default double weightUpdatesPerSecond() {
    return 0;
  }
}
