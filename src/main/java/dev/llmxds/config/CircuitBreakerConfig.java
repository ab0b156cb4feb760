package dev.llmxds.config;

/**
 * Envoy circuit breaker thresholds per cluster and Envoy. Streaming completions hold a request open
 * for minutes, so the defaults are well above Envoy's 1024.
 */
public record CircuitBreakerConfig(
    Integer maxConnections, Integer maxPendingRequests, Integer maxRequests, Integer maxRetries) {
  public static final CircuitBreakerConfig DEFAULT =
      new CircuitBreakerConfig(null, null, null, null);

  public CircuitBreakerConfig {
    maxConnections =
        Check.range("maxConnections", Check.orDefault(maxConnections, 16_384), 1, 1 << 30);
    maxPendingRequests =
        Check.range("maxPendingRequests", Check.orDefault(maxPendingRequests, 16_384), 1, 1 << 30);
    maxRequests = Check.range("maxRequests", Check.orDefault(maxRequests, 16_384), 1, 1 << 30);
    maxRetries = Check.range("maxRetries", Check.orDefault(maxRetries, 64), 0, 1 << 30);
  }
}
