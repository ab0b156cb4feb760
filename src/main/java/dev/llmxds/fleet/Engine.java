package dev.llmxds.fleet;

import java.util.Objects;

/**
 * Where an endpoint's engine publishes its Prometheus metrics. The URL is always built from the
 * endpoint's own address: only the port and path can be chosen, so a registration cannot make
 * llm-xds fetch an arbitrary URL.
 *
 * @param kind engine, or AUTO to detect it from the metric names
 * @param metricsPort port of the metrics endpoint; 0 means the serving port (vLLM, SGLang, TGI)
 * @param metricsPath absolute path, {@code /metrics} by default
 */
public record Engine(EngineKind kind, int metricsPort, String metricsPath) {
  public static final Engine DEFAULT = new Engine(EngineKind.AUTO, 0, "/metrics");

  public Engine {
    Objects.requireNonNull(kind, "kind");
    if (metricsPort < 0 || metricsPort > 65_535) {
      throw new IllegalArgumentException("metrics port must be 0..65535, got " + metricsPort);
    }
    metricsPath = metricsPath == null || metricsPath.isBlank() ? "/metrics" : metricsPath.strip();
    if (!metricsPath.startsWith("/")
        || metricsPath.startsWith("//")
        || metricsPath.contains("?")
        || metricsPath.contains("#")
        || metricsPath.contains("@")
        || metricsPath.chars().anyMatch(c -> c <= ' ' || c == '\\' || c > '~')) {
      throw new IllegalArgumentException(
          "metrics path must be an absolute path such as /metrics, got '" + metricsPath + "'");
    }
  }
}
