package dev.llmxds.config;

/** The ADS gRPC server Envoy and proxyless gRPC clients connect to. */
public record XdsServerConfig(String host, Integer port, TlsConfig tls) {
  public static final XdsServerConfig DEFAULT = new XdsServerConfig(null, null, null);

  public XdsServerConfig {
    host = Check.notBlank("host", Check.orDefault(host, "0.0.0.0"));
    port = Check.range("port", Check.orDefault(port, 18000), 0, 65_535);
  }

  public XdsServerConfig withPort(int newPort) {
    return new XdsServerConfig(host, newPort, tls);
  }

  public XdsServerConfig withHost(String newHost) {
    return new XdsServerConfig(newHost, port, tls);
  }
}
