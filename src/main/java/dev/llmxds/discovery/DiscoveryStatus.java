package dev.llmxds.discovery;

import java.time.Instant;

/**
 * What a discovery source last managed: when it last read a good fleet, and its last error. The
 * last good fleet stays published whatever the error.
 */
public record DiscoveryStatus(
    String source, Instant lastSuccess, Instant lastErrorAt, String lastError, long errors) {

  public static DiscoveryStatus starting(String source) {
    return new DiscoveryStatus(source, null, null, null, 0);
  }

  public DiscoveryStatus succeeded(Instant at) {
    return new DiscoveryStatus(source, at, lastErrorAt, lastError, errors);
  }

  public DiscoveryStatus failed(Instant at, String error) {
    return new DiscoveryStatus(source, lastSuccess, at, error, errors + 1);
  }

  /** True when the latest attempt failed (an error newer than the last success). */
  public boolean failing() {
    return lastErrorAt != null && (lastSuccess == null || lastErrorAt.isAfter(lastSuccess));
  }
}
