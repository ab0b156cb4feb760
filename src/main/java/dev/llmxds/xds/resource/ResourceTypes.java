package dev.llmxds.xds.resource;

import java.util.List;

/** The four resource types llm-xds publishes, in the order Envoy warms them. */
public final class ResourceTypes {
  private ResourceTypes() {}

  public static final ClusterType CLUSTER = new ClusterType();
  public static final LoadAssignmentType ENDPOINT = new LoadAssignmentType();
  public static final ListenerType LISTENER = new ListenerType();
  public static final RouteType ROUTE = new RouteType();

  public static final List<XdsResourceType<?>> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

  /** The short name (cds, eds, lds, rds, sds) of a type URL; other URLs as they are. */
  public static String shortName(String typeUrl) {
    for (XdsResourceType<?> t : ALL) {
      if (t.typeUrl().equals(typeUrl)) {
        return t.shortName();
      }
    }
    return typeUrl.equals(io.envoyproxy.controlplane.cache.Resources.V3.SECRET_TYPE_URL)
        ? "sds"
        : typeUrl;
  }
}
