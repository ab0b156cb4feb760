package dev.llmxds.config;

import java.time.Duration;

/** Settings shared by every projected inference-service cluster. */
public record ClusterConfig(
    Duration connectTimeout,
    LeastRequestConfig leastRequest,
    Integer overprovisioningFactor,
    Double healthyPanicThreshold,
    OutlierDetectionConfig outlierDetection,
    CircuitBreakerConfig circuitBreakers,
    SlowStartConfig slowStart,
    HealthCheckConfig healthCheck,
    Duration updateMergeWindow,
    String proxylessDegradedAs,
    AffinityConfig affinity) {
  public static final ClusterConfig DEFAULT =
      new ClusterConfig(null, null, null, null, null, null, null, null, null, null, null);

  public ClusterConfig {
    connectTimeout =
        Check.positive("connectTimeout", Check.orDefault(connectTimeout, Duration.ofSeconds(5)));
    leastRequest = Check.orDefault(leastRequest, LeastRequestConfig.DEFAULT);
    overprovisioningFactor =
        Check.range(
            "overprovisioningFactor", Check.orDefault(overprovisioningFactor, 140), 1, 100_000);
    healthyPanicThreshold =
        Check.range(
            "healthyPanicThreshold", Check.orDefault(healthyPanicThreshold, 50.0), 0.0, 100.0);
    outlierDetection = Check.orDefault(outlierDetection, OutlierDetectionConfig.DEFAULT);
    affinity = Check.orDefault(affinity, AffinityConfig.DEFAULT);
    circuitBreakers = Check.orDefault(circuitBreakers, CircuitBreakerConfig.DEFAULT);
    updateMergeWindow =
        Check.notNegative(
            "updateMergeWindow", Check.orDefault(updateMergeWindow, Duration.ofMillis(500)));
    proxylessDegradedAs =
        Check.orDefault(proxylessDegradedAs, "healthy").strip().toLowerCase(java.util.Locale.ROOT);
    if (!proxylessDegradedAs.equals("healthy") && !proxylessDegradedAs.equals("degraded")) {
      throw new ConfigException(
          "proxylessDegradedAs", "must be healthy or degraded, got '" + proxylessDegradedAs + "'");
    }
    if (updateMergeWindow.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new ConfigException(
          "updateMergeWindow", "must be at most 60s, got " + updateMergeWindow);
    }
  }
}
