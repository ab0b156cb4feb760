package dev.llmxds.config;

import java.time.Duration;

/** Optional active HTTP health check Envoy runs against every endpoint (vLLM: GET /health). */
public record HealthCheckConfig(
    String path,
    Duration interval,
    Duration timeout,
    Integer healthyThreshold,
    Integer unhealthyThreshold) {
  public HealthCheckConfig {
    path = Check.notBlank("path", Check.orDefault(path, "/health"));
    if (!path.startsWith("/")) {
      throw new ConfigException("path", "must start with '/', got '" + path + "'");
    }
    interval = Check.positive("interval", Check.orDefault(interval, Duration.ofSeconds(5)));
    timeout = Check.positive("timeout", Check.orDefault(timeout, Duration.ofSeconds(2)));
    healthyThreshold =
        Check.range("healthyThreshold", Check.orDefault(healthyThreshold, 2), 1, 1000);
    unhealthyThreshold =
        Check.range("unhealthyThreshold", Check.orDefault(unhealthyThreshold, 3), 1, 1000);
  }
}
