package dev.llmxds.config;

import java.util.Locale;

/** Which source says what endpoints exist. */
public record DiscoveryConfig(String source, FileDiscoveryConfig file) {
  public static final DiscoveryConfig DEFAULT = new DiscoveryConfig(null, null);

  public DiscoveryConfig {
    source = Check.orDefault(source, "file").strip().toLowerCase(Locale.ROOT);
    if (!source.equals("file")) {
      throw new ConfigException(
          "source", "unknown discovery source '" + source + "' (expected file)");
    }
    file = Check.orDefault(file, FileDiscoveryConfig.DEFAULT);
  }

  public DiscoveryConfig withFile(FileDiscoveryConfig newFile) {
    return new DiscoveryConfig(source, newFile);
  }
}
