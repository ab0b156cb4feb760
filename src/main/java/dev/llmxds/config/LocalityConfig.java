package dev.llmxds.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Zone-aware failover. A node in zone Z of region R sees priority 0 = Z, then the rest of R, then
 * other regions: in the order {@code regionFailover[R]} lists them (one priority each), then every
 * unlisted region together. Backup endpoints always come last.
 */
public record LocalityConfig(Map<String, List<String>> regionFailover) {
  public static final LocalityConfig DEFAULT = new LocalityConfig(null);

  public LocalityConfig {
    TreeMap<String, List<String>> copy = new TreeMap<>();
    if (regionFailover != null) {
      regionFailover.forEach(
          (region, order) -> {
            if (order == null) {
              throw new ConfigException("regionFailover." + region, "must be a list of regions");
            }
            if (order.contains(region)) {
              throw new ConfigException(
                  "regionFailover." + region, "must not list the region itself");
            }
            if (order.stream().distinct().count() != order.size()) {
              throw new ConfigException("regionFailover." + region, "lists a region twice");
            }
            copy.put(region, List.copyOf(order));
          });
    }
    regionFailover = java.util.Collections.unmodifiableMap(copy);
  }

  public List<String> failoverFrom(String region) {
    return regionFailover.getOrDefault(region, List.of());
  }
}
