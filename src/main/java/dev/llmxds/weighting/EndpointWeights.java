package dev.llmxds.weighting;

/**
 * Turns static weight × load factor into the integer weight Envoy accepts: {@code round(static ×
 * factor × 100)}, at least 1. The scale of 100 keeps rounding under 1 % for factors from 0.5 up.
 */
public final class EndpointWeights {
  /** Envoy rejects 0; a GPU leaves rotation by health status, never by weight. */
  public static final int MIN = 1;

  /**
   * Keeps per-locality and per-priority sums far below the uint32 limit Envoy and grpc-go enforce
   * (40,000 endpoints at the maximum still fit); reached only by static weights above 125 at the
   * highest factor.
   */
  public static final int MAX = 100_000;

  /** Weight units per unit of static weight at the neutral factor 1. */
  public static final int SCALE = 100;

  private EndpointWeights() {}

  public static int weight(int staticWeight, double factor) {
    double w = staticWeight * SCALE * (Double.isFinite(factor) && factor > 0 ? factor : 1.0);
    return (int) Math.max(MIN, Math.min(MAX, Math.round(w)));
  }
}
