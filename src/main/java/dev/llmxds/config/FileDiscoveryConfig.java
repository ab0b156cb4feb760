package dev.llmxds.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * File discovery: a YAML fleet file watched for changes. Without a path, the fleet embedded in the
 * jar (a small example) is served and nothing is watched.
 */
public record FileDiscoveryConfig(Path path, Duration pollInterval) {
  public static final FileDiscoveryConfig DEFAULT = new FileDiscoveryConfig(null, null);

  public FileDiscoveryConfig {
    pollInterval =
        Check.atLeast(
            "pollInterval",
            Check.orDefault(pollInterval, Duration.ofSeconds(1)),
            Duration.ofMillis(10));
  }

  public FileDiscoveryConfig withPath(Path newPath) {
    return new FileDiscoveryConfig(newPath, pollInterval);
  }
}
