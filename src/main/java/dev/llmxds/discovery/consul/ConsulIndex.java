package dev.llmxds.discovery.consul;

/**
 * Consul's rules for the {@code index} of the next blocking query, given the one just used and the
 * {@code X-Consul-Index} returned: an index that went backwards (a snapshot restore, a new leader
 * with a lower index) resets to 0, so the next query returns at once with fresh data; an index ≤ 0
 * is treated as 1, so a buggy 0 never turns the watch into a busy loop.
 */
final class ConsulIndex {
  private ConsulIndex() {}

  static long next(long used, long returned) {
    if (returned <= 0) {
      return 1;
    }
    return returned < used ? 0 : returned;
  }
}
