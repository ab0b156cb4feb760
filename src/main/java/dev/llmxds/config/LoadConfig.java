package dev.llmxds.config;

import java.time.Duration;

/**
 * Scraping engines' {@code /metrics}: how often, how long to wait, how many at once, how big a body
 * may be. {@code enabled: false} keeps every weight at its static value.
 */
public record LoadConfig(
    Boolean enabled,
    Duration interval,
    Duration timeout,
    Integer maxConcurrency,
    Integer maxResponseBytes) {
  public static final LoadConfig DEFAULT = new LoadConfig(null, null, null, null, null);

  public LoadConfig {
    enabled = Check.orDefault(enabled, true);
    interval =
        Check.atLeast(
            "interval", Check.orDefault(interval, Duration.ofSeconds(1)), Duration.ofMillis(10));
    timeout =
        Check.atLeast(
            "timeout", Check.orDefault(timeout, Duration.ofSeconds(2)), Duration.ofMillis(10));
    maxConcurrency = Check.range("maxConcurrency", Check.orDefault(maxConcurrency, 64), 1, 10_000);
    maxResponseBytes =
        Check.range(
            "maxResponseBytes", Check.orDefault(maxResponseBytes, 4 << 20), 1024, 256 << 20);
  }
}
