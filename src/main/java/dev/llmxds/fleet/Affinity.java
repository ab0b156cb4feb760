package dev.llmxds.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * Session affinity of one inference service: requests carrying the same hash key (a request header
 * or a cookie) go to the same endpoint through a consistent hash, bounded by load. The values are
 * already validated by whoever built them (the configuration or a discovery source); this record
 * only keeps its own invariants.
 *
 * @param enabled whether the service hashes at all; when false every other field is ignored
 * @param header request header whose value is hashed, or null when {@code cookie} is used
 * @param cookie cookie whose value is hashed, or null when {@code header} is used
 * @param cookieTtl with a cookie: when set, Envoy generates the cookie for requests without it
 *     (zero: a session cookie); null: never generated
 * @param lb the Envoy sidecar's consistent-hash load balancer
 * @param hashBalanceFactor bounded load in percent of the average in-flight requests (≥ 100), or 0
 *     for none
 * @param minRingSize ring hash: minimum number of ring entries
 * @param maxRingSize ring hash: maximum number of ring entries
 * @param tableSize maglev: lookup table size (a prime)
 */
public record Affinity(
    boolean enabled,
    String header,
    String cookie,
    Duration cookieTtl,
    Lb lb,
    int hashBalanceFactor,
    long minRingSize,
    long maxRingSize,
    long tableSize) {

  /** The consistent-hash load balancer Envoy sidecars use. */
  public enum Lb {
    RING_HASH,
    MAGLEV
  }

  public static final String DEFAULT_HEADER = "x-session-id";
  public static final int DEFAULT_HASH_BALANCE_FACTOR = 150;
  public static final long DEFAULT_MIN_RING_SIZE = 1024;
  public static final long DEFAULT_MAX_RING_SIZE = 8_388_608;
  public static final long DEFAULT_TABLE_SIZE = 65_537;

  /** No affinity: the service is balanced by least request. */
  public static final Affinity OFF =
      new Affinity(
          false,
          DEFAULT_HEADER,
          null,
          null,
          Lb.RING_HASH,
          DEFAULT_HASH_BALANCE_FACTOR,
          DEFAULT_MIN_RING_SIZE,
          DEFAULT_MAX_RING_SIZE,
          DEFAULT_TABLE_SIZE);

  public Affinity {
    Objects.requireNonNull(lb, "lb");
    if ((header == null) == (cookie == null)) {
      throw new IllegalArgumentException("affinity needs exactly one of header and cookie");
    }
    if (cookieTtl != null && cookie == null) {
      throw new IllegalArgumentException("affinity cookieTtl needs a cookie");
    }
    if (hashBalanceFactor != 0 && hashBalanceFactor < 100) {
      throw new IllegalArgumentException(
          "affinity hashBalanceFactor must be 0 or at least 100, got " + hashBalanceFactor);
    }
    if (minRingSize < 1 || minRingSize > maxRingSize) {
      throw new IllegalArgumentException(
          "affinity ring sizes must satisfy 1 <= min <= max, got "
              + minRingSize
              + " and "
              + maxRingSize);
    }
    if (tableSize < 2) {
      throw new IllegalArgumentException("affinity tableSize must be a prime, got " + tableSize);
    }
  }
}
