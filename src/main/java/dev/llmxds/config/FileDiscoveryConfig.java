package dev.llmxds.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * File discovery: a YAML fleet file watched for changes. Without a path, the fleet embedded in the
 * jar (a small example) is served and nothing is watched. {@code allowEmpty}: a file saying {@code
 * services: []} publishes an empty fleet (otherwise an empty file is an error).
 */
public record FileDiscoveryConfig(Path path, Duration pollInterval, Boolean allowEmpty) {
  public static final FileDiscoveryConfig DEFAULT = new FileDiscoveryConfig(null, null, null);

  public FileDiscoveryConfig {
    pollInterval =
        Check.atLeast(
            "pollInterval",
            Check.orDefault(pollInterval, Duration.ofSeconds(1)),
            Duration.ofMillis(10));
    allowEmpty = Check.orDefault(allowEmpty, false);
  }

  public FileDiscoveryConfig withPath(Path newPath) {
    return new FileDiscoveryConfig(newPath, pollInterval, allowEmpty);
  }
}
