package dev.llmxds.config;

import java.time.Duration;

/**
 * The admin HTTP server: loopback by default. Port 0 picks a free port.
 *
 * <p>Every admin request is hostile until read: {@code headerTimeout} bounds the time from the
 * first byte of a request (or the connection opening) to the end of its headers, {@code
 * idleTimeout} how long a keep-alive connection may wait for its next request, {@code writeTimeout}
 * how long a response may take to be written to a client that does not read it. The request line
 * and headers are capped ({@code maxRequestLineBytes}, {@code maxHeaderBytes}), at most {@code
 * maxConnections} are open at once, and {@code threads} render responses.
 *
 * <p>{@code grpcOnXdsPort}: whether the admin gRPC service is served on the xDS port. Unset, it is
 * served only when the xDS port requires client certificates (mTLS); {@code true} serves it on any
 * xDS port (with a warning at startup when that port is plaintext), {@code false} never.
 */
public record AdminConfig(
    Boolean enabled,
    String host,
    Integer port,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration writeTimeout,
    Integer maxRequestLineBytes,
    Integer maxHeaderBytes,
    Integer maxConnections,
    Integer threads,
    Boolean grpcOnXdsPort) {
  public static final AdminConfig DEFAULT =
      new AdminConfig(null, null, null, null, null, null, null, null, null, null, null);

  public AdminConfig {
    enabled = Check.orDefault(enabled, true);
    host = Check.notBlank("host", Check.orDefault(host, "127.0.0.1"));
    port = Check.range("port", Check.orDefault(port, 9902), 0, 65_535);
    headerTimeout =
        Check.positive("headerTimeout", Check.orDefault(headerTimeout, Duration.ofSeconds(5)));
    idleTimeout =
        Check.positive("idleTimeout", Check.orDefault(idleTimeout, Duration.ofSeconds(30)));
    writeTimeout =
        Check.positive("writeTimeout", Check.orDefault(writeTimeout, Duration.ofSeconds(10)));
    maxRequestLineBytes =
        Check.range(
            "maxRequestLineBytes", Check.orDefault(maxRequestLineBytes, 8_192), 256, 1_048_576);
    maxHeaderBytes =
        Check.range("maxHeaderBytes", Check.orDefault(maxHeaderBytes, 16_384), 1_024, 1_048_576);
    maxConnections =
        Check.range("maxConnections", Check.orDefault(maxConnections, 128), 4, 100_000);
    threads = Check.range("threads", Check.orDefault(threads, 2), 1, 64);
  }

  public AdminConfig withPort(int newPort) {
    return new AdminConfig(
        enabled,
        host,
        newPort,
        headerTimeout,
        idleTimeout,
        writeTimeout,
        maxRequestLineBytes,
        maxHeaderBytes,
        maxConnections,
        threads,
        grpcOnXdsPort);
  }

  public AdminConfig withHost(String newHost) {
    return new AdminConfig(
        enabled,
        newHost,
        port,
        headerTimeout,
        idleTimeout,
        writeTimeout,
        maxRequestLineBytes,
        maxHeaderBytes,
        maxConnections,
        threads,
        grpcOnXdsPort);
  }
}
