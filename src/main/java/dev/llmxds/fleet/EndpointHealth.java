package dev.llmxds.fleet;

import java.util.Locale;

/**
 * Health of one inference endpoint, as the discovery source reports it. Maps one to one onto
 * Envoy's {@code HealthStatus}: Consul passing is HEALTHY, warning DEGRADED, critical UNHEALTHY,
 * maintenance DRAINING.
 */
public enum EndpointHealth {
  HEALTHY,
  DEGRADED,
  UNHEALTHY,
  DRAINING;

  /** Parses a case-insensitive name; throws with the accepted values listed. */
  public static EndpointHealth parse(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "unknown health '" + text + "' (expected healthy, degraded, unhealthy or draining)");
    }
  }
}
