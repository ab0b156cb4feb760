package dev.llmxds.weighting;

/**
 * The dynamic part of an endpoint's weight: a multiplier on its static weight, derived from the
 * engine's own load. {@link #NEUTRAL} (1.0 everywhere) until load metrics are known.
 */
@FunctionalInterface
public interface LoadFactors {
  LoadFactors NEUTRAL = (service, endpointId) -> 1.0;

  /** Multiplier for {@code endpointId} of {@code service}; finite and positive. */
  double factor(String service, String endpointId);

  /**
   * A value that equals an earlier one whenever {@code service}'s factors are the same, so a
   * projection of that service can be reused. By default this object itself.
   */
  default Object factorsOf(String service) {
    return this;
  }
}
