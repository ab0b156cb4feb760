package dev.llmxds.xds;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.weighting.LoadFactors;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;
import java.util.function.Supplier;

/** Pure projection: fleet + load factors + config → the resources one node group receives. */
public final class XdsProjection {
  private final ClusterProjector clusters;
  private final LoadAssignmentProjector loadAssignments;
  private final ListenerProjector listeners;

  public XdsProjection(LlmXdsConfig config) {
    this.clusters = new ClusterProjector(config.cluster());
    this.loadAssignments =
        new LoadAssignmentProjector(
            new PriorityPlanner(config.locality()), config.cluster().overprovisioningFactor());
    this.listeners = new ListenerProjector(config.listener());
  }

  /** Re-uses a previously projected assignment when its inputs did not change. */
  @FunctionalInterface
  public interface AssignmentMemo {
    ClusterLoadAssignment get(
        InferenceService service, NodeGroupKey group, Supplier<ClusterLoadAssignment> project);
  }

  public XdsResources project(Fleet fleet, LoadFactors factors, NodeGroupKey group) {
    return project(fleet, factors, group, (s, g, p) -> p.get());
  }

  public XdsResources project(
      Fleet fleet, LoadFactors factors, NodeGroupKey group, AssignmentMemo memo) {
    List<InferenceService> services = List.copyOf(fleet.services().values());
    return new XdsResources(
        services.stream().map(clusters::project).toList(),
        services.stream()
            .map(
                s ->
                    memo.get(s, group, () -> loadAssignments.project(s, group.locality(), factors)))
            .toList(),
        group.kind() == ClientKind.SIDECAR
            ? List.of(listeners.sidecarListener())
            : listeners.proxylessListeners(fleet),
        group.kind() == ClientKind.SIDECAR ? List.of(listeners.sidecarRoutes(fleet)) : List.of());
  }
}
