package dev.llmxds.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Session affinity of an inference service, as written in the configuration ({@code
 * cluster.affinity}, the default of every service) or for one service (fleet file {@code
 * services[i].affinity}, Consul meta {@code llm-xds-affinity-*}). Every check happens here, so a
 * bad value stops start-up (or skips the service) with one line naming the field.
 *
 * <p>Naming a {@code header} or a {@code cookie} turns affinity on unless {@code enabled: false};
 * {@code enabled: true} alone hashes on {@code x-session-id}.
 */
public record AffinityConfig(
    Boolean enabled,
    String header,
    String cookie,
    Duration cookieTtl,
    String lb,
    Integer hashBalanceFactor,
    Long minRingSize,
    Long maxRingSize,
    Long tableSize) {
  public static final AffinityConfig DEFAULT =
      new AffinityConfig(null, null, null, null, null, null, null, null, null);

  public static final String RING_HASH = "ring-hash";
  public static final String MAGLEV = "maglev";

  /** Envoy's upper bound of {@code minimum_ring_size} and {@code maximum_ring_size}. */
  public static final long MAX_RING_SIZE = 8_388_608;

  /** Envoy's upper bound of maglev's {@code table_size}. */
  public static final long MAX_TABLE_SIZE = 5_000_011;

  /** An HTTP/2 header name as gRPC and Envoy take it: lowercase token characters. */
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,128}");

  /** A cookie name: RFC 6265 token characters. */
  private static final Pattern COOKIE = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}");

  public AffinityConfig {
    if (header != null) {
      header = header.strip().toLowerCase(Locale.ROOT);
      if (!HEADER.matcher(header).matches()) {
        throw new ConfigException(
            "header",
            "must be an HTTP header name (letters, digits, '-', '_', '.', at most 128), got '"
                + header
                + "'");
      }
      if (header.endsWith("-bin")) {
        throw new ConfigException(
            "header", "binary headers (-bin) cannot be hashed, got " + header);
      }
    }
    if (cookie != null) {
      cookie = cookie.strip();
      if (!COOKIE.matcher(cookie).matches()) {
        throw new ConfigException(
            "cookie", "must be a cookie name (RFC 6265 token, at most 128), got '" + cookie + "'");
      }
    }
    if (header != null && cookie != null) {
      throw new ConfigException("cookie", "set either header or cookie, not both");
    }
    if (cookieTtl != null) {
      if (cookie == null) {
        throw new ConfigException("cookieTtl", "applies only with a cookie");
      }
      Check.notNegative("cookieTtl", cookieTtl);
    }
    enabled = Check.orDefault(enabled, header != null || cookie != null);
    if (header == null && cookie == null) {
      header = "x-session-id";
    }
    lb = Check.orDefault(lb, RING_HASH).strip().toLowerCase(Locale.ROOT).replace('_', '-');
    if (!lb.equals(RING_HASH) && !lb.equals(MAGLEV)) {
      throw new ConfigException("lb", "must be ring-hash or maglev, got '" + lb + "'");
    }
    hashBalanceFactor = Check.orDefault(hashBalanceFactor, 150);
    if (hashBalanceFactor != 0) {
      Check.range("hashBalanceFactor", hashBalanceFactor, 100, 100_000);
    }
    minRingSize = ringSize("minRingSize", Check.orDefault(minRingSize, 1024L));
    maxRingSize = ringSize("maxRingSize", Check.orDefault(maxRingSize, MAX_RING_SIZE));
    if (minRingSize > maxRingSize) {
      throw new ConfigException(
          "minRingSize", "must not exceed maxRingSize (" + maxRingSize + "), got " + minRingSize);
    }
    if (tableSize != null && !lb.equals(MAGLEV)) {
      throw new ConfigException("tableSize", "applies only with lb: maglev");
    }
    tableSize = Check.orDefault(tableSize, 65_537L);
    if (tableSize < 2 || tableSize > MAX_TABLE_SIZE || !isPrime(tableSize)) {
      throw new ConfigException(
          "tableSize", "must be a prime number up to " + MAX_TABLE_SIZE + ", got " + tableSize);
    }
  }

  private static long ringSize(String field, long value) {
    if (value < 1 || value > MAX_RING_SIZE) {
      throw new ConfigException(field, "must be between 1 and " + MAX_RING_SIZE + ", got " + value);
    }
    return value;
  }

  static boolean isPrime(long n) {
    if (n < 2) {
      return false;
    }
    if (n % 2 == 0) {
      return n == 2;
    }
    for (long d = 3; d * d <= n; d += 2) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
