package dev.llmxds.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The HTTP listener served to Envoy sidecars. Requests pick their inference service by the value of
 * {@code modelHeader}; requests without a known model go to {@code defaultService} (none: 404).
 */
public record ListenerConfig(
    String name,
    String address,
    Integer port,
    String modelHeader,
    String defaultService,
    Duration routeTimeout,
    Duration streamIdleTimeout,
    Duration idleTimeout,
    Integer numRetries,
    List<Integer> retriableStatusCodes,
    List<String> grpcRetryOn) {
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

  /** The status codes gRPC clients retry on (gRFC A44); others are ignored or NACKed. */
  public static final List<String> GRPC_RETRY_CODES =
      List.of("cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

  public static final ListenerConfig DEFAULT =
      new ListenerConfig(null, null, null, null, null, null, null, null, null, null, null);

  public ListenerConfig {
    name = Check.notBlank("name", Check.orDefault(name, "llm-xds-http"));
    address = Check.notBlank("address", Check.orDefault(address, "0.0.0.0"));
    port = Check.range("port", Check.orDefault(port, 10_000), 1, 65_535);
    modelHeader = Check.notBlank("modelHeader", Check.orDefault(modelHeader, "x-model"));
    modelHeader = modelHeader.toLowerCase(Locale.ROOT);
    if (!HEADER.matcher(modelHeader).matches() || modelHeader.startsWith(":")) {
      throw new ConfigException("modelHeader", "'" + modelHeader + "' is not a valid header name");
    }
    routeTimeout = Check.notNegative("routeTimeout", Check.orDefault(routeTimeout, Duration.ZERO));
    streamIdleTimeout =
        Check.notNegative(
            "streamIdleTimeout", Check.orDefault(streamIdleTimeout, Duration.ofMinutes(5)));
    idleTimeout =
        Check.notNegative("idleTimeout", Check.orDefault(idleTimeout, Duration.ofHours(1)));
    numRetries = Check.range("numRetries", Check.orDefault(numRetries, 2), 0, 10);
    retriableStatusCodes = List.copyOf(Check.orDefault(retriableStatusCodes, List.of(503)));
    for (int code : retriableStatusCodes) {
      Check.range("retriableStatusCodes", code, 100, 599);
    }
    grpcRetryOn = List.copyOf(Check.orDefault(grpcRetryOn, List.of("unavailable")));
    for (String code : grpcRetryOn) {
      if (!GRPC_RETRY_CODES.contains(code)) {
        throw new ConfigException(
            "grpcRetryOn", "'" + code + "' is not one of " + String.join(", ", GRPC_RETRY_CODES));
      }
    }
  }
}
