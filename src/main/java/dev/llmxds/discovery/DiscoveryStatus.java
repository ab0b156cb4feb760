package dev.llmxds.discovery;

import java.time.Instant;
import java.util.List;

/**
 * What a discovery source last managed: when it last read a good fleet, its last error, and the
 * entries it is skipping right now (each with why). The last good fleet stays published whatever
 * the error; a skipped entry leaves the rest of the fleet flowing.
 */
public record DiscoveryStatus(
    String source,
    Instant lastSuccess,
    Instant lastErrorAt,
    String lastError,
    long errors,
    List<String> skipped) {

  public DiscoveryStatus {
    skipped = skipped == null ? List.of() : List.copyOf(skipped);
  }

  public static DiscoveryStatus starting(String source) {
    return new DiscoveryStatus(source, null, null, null, 0, List.of());
  }

  public DiscoveryStatus succeeded(Instant at) {
    return new DiscoveryStatus(source, at, lastErrorAt, lastError, errors, skipped);
  }

  public DiscoveryStatus failed(Instant at, String error) {
    return new DiscoveryStatus(source, lastSuccess, at, error, errors + 1, skipped);
  }

  public DiscoveryStatus withSkipped(List<String> nowSkipped) {
    return new DiscoveryStatus(source, lastSuccess, lastErrorAt, lastError, errors, nowSkipped);
  }

  /** True when the latest attempt failed (an error newer than the last success). */
  public boolean failing() {
    return lastErrorAt != null && (lastSuccess == null || lastErrorAt.isAfter(lastSuccess));
  }
}
