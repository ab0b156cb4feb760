package dev.llmxds.sim.policy;

import dev.llmxds.sim.workload.Request;

/**
 * nginx {@code least_conn} as one proxy in front of the fleet: it sees every request in flight,
 * picks the fewest active connections, round robin among ties.
 */
public final class NginxLeastConn implements Policy {
  private final int[] active;
  private int tie;

  public NginxLeastConn(int engines) {
    active = new int[engines];
  }

  @Override
  public String name() {
    return "nginx least_conn (one proxy)";
  }

  @Override
  public int route(Request r, int[] candidates) {
    int min = Integer.MAX_VALUE;
    for (int e : candidates) {
      min = Math.min(min, active[e]);
    }
    int ties = 0;
    for (int e : candidates) {
      if (active[e] == min) {
        ties++;
      }
    }
    int pick = Math.floorMod(tie++, ties);
    for (int e : candidates) {
      if (active[e] == min && pick-- == 0) {
        active[e]++;
        return e;
      }
    }
    throw new IllegalStateException("no candidate");
  }

  @Override
  public void done(Request r) {
    active[r.engine]--;
  }
}
