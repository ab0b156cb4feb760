package dev.llmxds.config;

import java.util.Locale;

/** Which source says what endpoints exist. */
public record DiscoveryConfig(String source, FileDiscoveryConfig file, ConsulConfig consul) {
  public static final DiscoveryConfig DEFAULT = new DiscoveryConfig(null, null, null);

  public DiscoveryConfig {
    source = Check.orDefault(source, "file").strip().toLowerCase(Locale.ROOT);
    if (!source.equals("file") && !source.equals("consul")) {
      throw new ConfigException(
          "source", "unknown discovery source '" + source + "' (expected file or consul)");
    }
    file = Check.orDefault(file, FileDiscoveryConfig.DEFAULT);
    consul = Check.orDefault(consul, ConsulConfig.DEFAULT);
  }

  public DiscoveryConfig withFile(FileDiscoveryConfig newFile) {
    return new DiscoveryConfig(source, newFile, consul);
  }

  public DiscoveryConfig withConsul(ConsulConfig newConsul) {
    return new DiscoveryConfig("consul", file, newConsul);
  }
}
