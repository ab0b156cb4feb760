package dev.llmxds.testing;

import dev.llmxds.app.LlmXds;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;

/** Starts llm-xds in-process on a free loopback port, watching a fleet file closely. */
public final class TestServers {
  private TestServers() {}

  public static LlmXdsConfig config(Path fleetFile, String extraYaml) {
    return config(fleetFile, "{host: 127.0.0.1, port: 0}", extraYaml);
  }

  /**
   * As {@link #config(Path, String)} with the {@code xds:} section given. Scraping is off unless
   * {@code extraYaml} configures {@code load:} (most test fleets are gRPC backends, not engines);
   * the admin server takes a free port unless {@code extraYaml} configures {@code admin:}.
   */
  public static LlmXdsConfig config(Path fleetFile, String xdsYaml, String extraYaml) {
    if (!extraYaml.contains("load:")) {
      extraYaml = extraYaml + "\nload: {enabled: false}";
    }
    if (!extraYaml.contains("admin:")) {
      extraYaml = extraYaml + "\nadmin: {port: 0}"; // never the fixed 9902 another run may hold
    }
    String yaml =
        """
        xds: %s
        discovery:
          file: {path: %s, pollInterval: 50ms, allowEmpty: true}
        reconciler: {debounce: 20ms, maxWait: 200ms}
        %s
        """
            .formatted(xdsYaml, fleetFile, extraYaml);
    return ConfigLoader.parse(yaml, fleetFile.getParent());
  }

  public static LlmXds start(LlmXdsConfig config) {
    try {
      return LlmXds.start(config, Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
