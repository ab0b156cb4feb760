package dev.llmxds.xds.resource;

import dev.llmxds.config.LocalityConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Locality;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Assigns each endpoint its Envoy priority as seen from one node. For a node in zone Z of region R:
 * the node's zone, then the rest of R, then the regions {@code regionFailover[R]} lists (one level
 * each), then every other region, then backups. A node with no locality sees one flat level plus
 * backups. Levels no endpoint occupies are compacted away, so priorities run 0, 1, 2... without
 * gaps.
 */
public final class PriorityPlanner {
  private final LocalityConfig config;

  public PriorityPlanner(LocalityConfig config) {
    this.config = config;
  }

  /** The uncompacted failover level of {@code endpoint} for a node at {@code node}. */
  int level(Locality node, Endpoint endpoint) {
    List<String> order = config.failoverFrom(node.region());
    int backupLevel = 3 + order.size();
    if (endpoint.backup()) {
      return backupLevel;
    }
    if (!node.isKnown()) {
      return 0;
    }
    Locality at = endpoint.locality();
    if (at.region().equals(node.region())) {
      return !node.zone().isEmpty() && at.zone().equals(node.zone()) ? 0 : 1;
    }
    int listed = order.indexOf(at.region());
    return listed >= 0 ? 2 + listed : 2 + order.size();
  }

  /** Contiguous priority (0..n-1) per endpoint id, for a node at {@code node}. */
  public Map<String, Integer> priorities(Locality node, Collection<Endpoint> endpoints) {
    TreeSet<Integer> used = new TreeSet<>();
    for (Endpoint e : endpoints) {
      used.add(level(node, e));
    }
    List<Integer> levels = List.copyOf(used);
    return endpoints.stream()
        .collect(
            Collectors.toMap(
                Endpoint::id,
                e -> levels.indexOf(level(node, e)),
                (a, b) -> a,
                java.util.TreeMap::new));
  }
}
