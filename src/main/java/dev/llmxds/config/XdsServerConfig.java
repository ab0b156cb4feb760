package dev.llmxds.config;

/**
 * The ADS gRPC server Envoy and proxyless gRPC clients connect to. {@code cache}: {@code
 * incremental} (llm-xds's own: only changed resources to the streams watching them) or {@code
 * simple} (java-control-plane's SimpleCache, kept for comparison).
 */
public record XdsServerConfig(String host, Integer port, TlsConfig tls, String cache) {
  public static final XdsServerConfig DEFAULT = new XdsServerConfig(null, null, null, null);

  public XdsServerConfig {
    host = Check.notBlank("host", Check.orDefault(host, "0.0.0.0"));
    port = Check.range("port", Check.orDefault(port, 18000), 0, 65_535);
    cache = Check.orDefault(cache, "incremental");
    if (!cache.equals("incremental") && !cache.equals("simple")) {
      throw new ConfigException("cache", "must be incremental or simple, got '" + cache + "'");
    }
  }

  public XdsServerConfig withPort(int newPort) {
    return new XdsServerConfig(host, newPort, tls, cache);
  }

  public XdsServerConfig withHost(String newHost) {
    return new XdsServerConfig(newHost, port, tls, cache);
  }
}
