package dev.llmxds.fleet;

import com.google.common.net.InetAddresses;
import java.util.Objects;

/**
 * One GPU inference server (vLLM, SGLang, ...) serving an {@link InferenceService}.
 *
 * @param address IP address Envoy connects to
 * @param port serving port
 * @param locality region and zone the server runs in
 * @param staticWeight operator-given capacity weight (bigger GPU, bigger weight), at least 1
 * @param health health as reported by discovery
 * @param backup when true the endpoint is only used after every other priority (nginx {@code
 *     backup})
 * @param engine which engine serves it and where its metrics are
 */
public record Endpoint(
    String address,
    int port,
    Locality locality,
    int staticWeight,
    EndpointHealth health,
    boolean backup,
    Engine engine) {

  public static final int MAX_STATIC_WEIGHT = 10_000;

  public Endpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(locality, "locality");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(engine, "engine");
    if (address.isBlank()) {
      throw new IllegalArgumentException("address must not be empty");
    }
    if (!isIp(address)) {
      throw new IllegalArgumentException(
          "address must be an IP address (Envoy and gRPC take no host names in EDS), got '"
              + (address.length() > 64 ? address.substring(0, 64) + "…" : address)
              + "'");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be 1..65535, got " + port);
    }
    if (staticWeight < 1 || staticWeight > MAX_STATIC_WEIGHT) {
      throw new IllegalArgumentException(
          "weight must be 1.." + MAX_STATIC_WEIGHT + ", got " + staticWeight);
    }
  }

  /** An endpoint whose engine is detected and whose metrics are at {@code /metrics}. */
  public Endpoint(
      String address,
      int port,
      Locality locality,
      int staticWeight,
      EndpointHealth health,
      boolean backup) {
    this(address, port, locality, staticWeight, health, backup, Engine.DEFAULT);
  }

  /**
   * An IPv4 or IPv6 literal. EDS endpoints must be IP addresses: Envoy ("malformed IP address"),
   * grpc-java ({@code XdsEndpointResource}: "Address is not an IP") and grpc-js all reject a host
   * name, and one such endpoint gets the whole assignment rejected. Nothing that could carry a
   * path, query, port or user either.
   */
  static boolean isIp(String address) {
    return address.length() <= 64 && InetAddresses.isInetAddress(address);
  }

  /** Stable identity inside a service: {@code address:port}. */
  public String id() {
    return address + ":" + port;
  }

  public Endpoint withHealth(EndpointHealth newHealth) {
    return new Endpoint(address, port, locality, staticWeight, newHealth, backup, engine);
  }

  /** Port the engine's metrics are scraped from. */
  public int metricsPort() {
    return engine.metricsPort() == 0 ? port : engine.metricsPort();
  }
}
