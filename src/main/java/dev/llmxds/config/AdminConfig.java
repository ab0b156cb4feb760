package dev.llmxds.config;

/** The admin HTTP server: loopback by default. Port 0 picks a free port. */
public record AdminConfig(Boolean enabled, String host, Integer port) {
  public static final AdminConfig DEFAULT = new AdminConfig(null, null, null);

  public AdminConfig {
    enabled = Check.orDefault(enabled, true);
    host = Check.notBlank("host", Check.orDefault(host, "127.0.0.1"));
    port = Check.range("port", Check.orDefault(port, 9902), 0, 65_535);
  }

  public AdminConfig withPort(int newPort) {
    return new AdminConfig(enabled, host, newPort);
  }

  public AdminConfig withHost(String newHost) {
    return new AdminConfig(enabled, newHost, port);
  }
}
