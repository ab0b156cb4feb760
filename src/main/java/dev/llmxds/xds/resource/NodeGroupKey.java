package dev.llmxds.xds.resource;

import dev.llmxds.fleet.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Nodes that receive exactly the same resources: same client kind, same region and zone. One
 * snapshot is kept per key.
 */
public record NodeGroupKey(ClientKind kind, Locality locality) implements Comparable<NodeGroupKey> {

  public static NodeGroupKey of(Node node) {
    return new NodeGroupKey(
        ClientKind.of(node),
        Locality.of(node.getLocality().getRegion(), node.getLocality().getZone()));
  }

  @Override
  public int compareTo(NodeGroupKey o) {
    int c = kind.compareTo(o.kind);
    return c != 0 ? c : locality.compareTo(o.locality);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + "@" + locality;
  }
}
