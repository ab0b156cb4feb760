package dev.llmxds.xds.resource;

import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Set;

/**
 * Cluster (CDS): one per inference service, built by {@link ClusterProjector}. An EDS cluster needs
 * the ClusterLoadAssignment of its service name in the same publication. Memo key: the client kind
 * and the whole service (a Cluster may read any field of it), so a changed service is re-projected
 * and an unchanged one keeps its instance.
 */
public final class ClusterType extends XdsResourceType<Cluster> {
  ClusterType() {
    super(Resources.ResourceType.CLUSTER, Resources.V3.CLUSTER_TYPE_URL, "cds", "Cluster");
  }

  /** What a projected Cluster depends on besides the fixed configuration. */
  public record MemoKey(ClientKind kind, InferenceService service) {}

  public static MemoKey memoKey(ClientKind kind, InferenceService service) {
    return new MemoKey(kind, service);
  }

  @Override
  public String name(Cluster resource) {
    return resource.getName();
  }

  @Override
  public List<Cluster> of(XdsResources resources) {
    return resources.clusters();
  }

  @Override
  public boolean wildcard() {
    return true;
  }

  /** The ClusterLoadAssignment name an EDS cluster asks for. */
  static String edsName(Cluster c) {
    return c.getEdsClusterConfig().getServiceName().isEmpty()
        ? c.getName()
        : c.getEdsClusterConfig().getServiceName();
  }

  @Override
  public void checkReferences(XdsResources resources, List<String> errors) {
    Set<String> assignments = ResourceTypes.ENDPOINT.names(resources);
    for (Cluster c : resources.clusters()) {
      if (c.getType() == Cluster.DiscoveryType.EDS && !assignments.contains(edsName(c))) {
        errors.add("Cluster " + c.getName() + ": no ClusterLoadAssignment named " + edsName(c));
      }
    }
  }
}
