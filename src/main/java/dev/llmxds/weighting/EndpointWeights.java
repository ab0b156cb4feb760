package dev.llmxds.weighting;

/** Turns static weight × load factor into the integer weight Envoy accepts. */
public final class EndpointWeights {
  /** Envoy rejects 0; a GPU leaves rotation by health status, never by weight. */
  public static final int MIN = 1;

  /** Keeps the per-locality sum far below Envoy's uint32 limit. */
  public static final int MAX = 1_000_000;

  private EndpointWeights() {}

  public static int weight(int staticWeight, double factor) {
    double w = staticWeight * (Double.isFinite(factor) && factor > 0 ? factor : 1.0);
    return (int) Math.max(MIN, Math.min(MAX, Math.round(w)));
  }
}
