package dev.llmxds.xds.resource;

import com.google.protobuf.UInt32Value;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.EndpointWeights;
import dev.llmxds.weighting.LoadFactors;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ClusterLoadAssignment of one service as seen from one node locality: endpoints grouped by
 * (priority, locality), every locality weighted with the sum of its usable endpoints' weights,
 * health mapped to Envoy's, endpoint weight = static × load factor clamped to at least 1.
 */
public final class LoadAssignmentProjector {
  /** The sub-zone backup endpoints are published in, so no locality holds two priorities. */
  public static final String BACKUP_SUB_ZONE = "llm-xds-backup";

  private final PriorityPlanner planner;
  private final int overprovisioningFactor;
  private final boolean proxylessDegradedAsHealthy;

  public LoadAssignmentProjector(PriorityPlanner planner, int overprovisioningFactor) {
    this(planner, overprovisioningFactor, true);
  }

  /**
   * @param proxylessDegradedAsHealthy serve DEGRADED endpoints to proxyless gRPC clients as
   *     HEALTHY: gRPC keeps only HEALTHY and UNKNOWN endpoints, so a Consul {@code warning} would
   *     otherwise take a GPU out of rotation for them alone
   */
  public LoadAssignmentProjector(
      PriorityPlanner planner, int overprovisioningFactor, boolean proxylessDegradedAsHealthy) {
    this.planner = planner;
    this.overprovisioningFactor = overprovisioningFactor;
    this.proxylessDegradedAsHealthy = proxylessDegradedAsHealthy;
  }

  private record Slot(int priority, Locality locality, boolean backup) implements Comparable<Slot> {
    @Override
    public int compareTo(Slot o) {
      int c = Integer.compare(priority, o.priority);
      c = c != 0 ? c : locality.compareTo(o.locality);
      return c != 0 ? c : Boolean.compare(backup, o.backup);
    }
  }

  /** As a sidecar in {@code node} sees it. */
  public ClusterLoadAssignment project(
      InferenceService service, Locality node, LoadFactors factors) {
    return project(service, new NodeGroupKey(ClientKind.SIDECAR, node), factors);
  }

  public ClusterLoadAssignment project(
      InferenceService service, NodeGroupKey node, LoadFactors factors) {
    boolean degradedAsHealthy = node.kind() == ClientKind.PROXYLESS && proxylessDegradedAsHealthy;
    Map<String, Integer> priorities = planner.priorities(node.locality(), service.endpoints());
    TreeMap<Slot, List<Endpoint>> slots = new TreeMap<>();
    for (Endpoint e : service.endpoints()) {
      slots
          .computeIfAbsent(
              new Slot(priorities.get(e.id()), e.locality(), e.backup()), s -> new ArrayList<>())
          .add(e);
    }
    ClusterLoadAssignment.Builder cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName(service.name())
            .setPolicy(
                ClusterLoadAssignment.Policy.newBuilder()
                    .setOverprovisioningFactor(UInt32Value.of(overprovisioningFactor)));
    slots.forEach(
        (slot, endpoints) -> {
          LocalityLbEndpoints.Builder group =
              LocalityLbEndpoints.newBuilder()
                  .setPriority(slot.priority())
                  .setLocality(
                      io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                          .setRegion(slot.locality().region())
                          .setZone(slot.locality().zone())
                          .setSubZone(slot.backup() ? BACKUP_SUB_ZONE : ""));
          long usable = 0;
          for (Endpoint e : endpoints) {
            int weight =
                EndpointWeights.weight(e.staticWeight(), factors.factor(service.name(), e.id()));
            boolean inRotation =
                e.health() == EndpointHealth.HEALTHY
                    || (e.health() == EndpointHealth.DEGRADED
                        && (node.kind() == ClientKind.SIDECAR || degradedAsHealthy));
            if (inRotation) { // gRPC drops DEGRADED: it must not weigh its locality either
              usable += weight;
            }
            group.addLbEndpoints(lbEndpoint(e, weight, degradedAsHealthy));
          }
          group.setLoadBalancingWeight(
              UInt32Value.of((int) Math.max(1, Math.min(usable, Integer.MAX_VALUE))));
          cla.addEndpoints(group);
        });
    return cla.build();
  }

  private static LbEndpoint lbEndpoint(Endpoint e, int weight, boolean degradedAsHealthy) {
    return LbEndpoint.newBuilder()
        .setEndpoint(
            io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder()
                                .setAddress(e.address())
                                .setPortValue(e.port()))))
        .setHealthStatus(
            degradedAsHealthy && e.health() == EndpointHealth.DEGRADED
                ? HealthStatus.HEALTHY
                : healthStatus(e.health()))
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .build();
  }

  static HealthStatus healthStatus(EndpointHealth health) {
    return switch (health) {
      case HEALTHY -> HealthStatus.HEALTHY;
      case DEGRADED -> HealthStatus.DEGRADED;
      case UNHEALTHY -> HealthStatus.UNHEALTHY;
      case DRAINING -> HealthStatus.DRAINING;
    };
  }
}
