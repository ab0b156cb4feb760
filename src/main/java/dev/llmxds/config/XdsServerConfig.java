package dev.llmxds.config;

import java.time.Duration;

/**
 * The ADS gRPC server Envoy and proxyless gRPC clients connect to.
 *
 * <p>{@code groupIdleTimeout}: how long a node group (client kind, region, zone) with no open
 * stream keeps its snapshot before it is dropped with all its state (default 60 s: longer than
 * Envoy's 30 s maximum xDS reconnect back-off, so a restarting client finds its group). {@code
 * maxNodeGroups}: how many node groups may exist at once (default 512 = two client kinds × 256
 * zones, more zones than any one cloud has; every publication projects every group). When full, a
 * new group replaces the one idle longest; when every group has an open stream it is refused.
 */
public record XdsServerConfig(
    String host, Integer port, TlsConfig tls, Duration groupIdleTimeout, Integer maxNodeGroups) {
  public static final XdsServerConfig DEFAULT = new XdsServerConfig(null, null, null, null, null);

  public XdsServerConfig {
    host = Check.notBlank("host", Check.orDefault(host, "0.0.0.0"));
    port = Check.range("port", Check.orDefault(port, 18000), 0, 65_535);
    groupIdleTimeout =
        Check.notNegative(
            "groupIdleTimeout", Check.orDefault(groupIdleTimeout, Duration.ofSeconds(60)));
    maxNodeGroups = Check.range("maxNodeGroups", Check.orDefault(maxNodeGroups, 512), 1, 100_000);
  }

  public XdsServerConfig withPort(int newPort) {
    return new XdsServerConfig(host, newPort, tls, groupIdleTimeout, maxNodeGroups);
  }

  public XdsServerConfig withHost(String newHost) {
    return new XdsServerConfig(newHost, port, tls, groupIdleTimeout, maxNodeGroups);
  }
}
