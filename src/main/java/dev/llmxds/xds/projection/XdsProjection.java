package dev.llmxds.xds.projection;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.resource.AffinityPolicy;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.ClusterProjector;
import dev.llmxds.xds.resource.ListenerProjector;
import dev.llmxds.xds.resource.LoadAssignmentProjector;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.PriorityPlanner;
import dev.llmxds.xds.resource.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
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
            new PriorityPlanner(config.locality()),
            config.cluster().overprovisioningFactor(),
            config.cluster().proxylessDegradedAs().equals("healthy"));
    this.listeners =
        new ListenerProjector(config.listener(), AffinityPolicy.of(config.cluster().affinity()));
  }

  /**
   * Re-uses previously projected resources whose inputs did not change; {@link #NONE} projects
   * everything afresh.
   */
  public interface Memo {
    ClusterLoadAssignment assignment(
        InferenceService service,
        Object serviceFactors,
        NodeGroupKey group,
        Supplier<ClusterLoadAssignment> project);

    Cluster cluster(ClientKind kind, InferenceService service, Supplier<Cluster> project);

    /** A proxyless API listener: it depends on the service's name and affinity. */
    Listener apiListener(String service, Affinity affinity, Supplier<Listener> project);

    Listener sidecarListener(Supplier<Listener> project);

    /** The sidecar route table: it depends on the services' names, models and affinities. */
    RouteConfiguration sidecarRoutes(
        Fleet fleet,
        java.util.function.Function<InferenceService, Affinity> affinity,
        Supplier<RouteConfiguration> project);
  }

  public static final Memo NONE =
      new Memo() {
        @Override
        public ClusterLoadAssignment assignment(
            InferenceService service,
            Object serviceFactors,
            NodeGroupKey group,
            Supplier<ClusterLoadAssignment> project) {
          return project.get();
        }

        @Override
        public Cluster cluster(
            ClientKind kind, InferenceService service, Supplier<Cluster> project) {
          return project.get();
        }

        @Override
        public Listener apiListener(String service, Affinity affinity, Supplier<Listener> project) {
          return project.get();
        }

        @Override
        public Listener sidecarListener(Supplier<Listener> project) {
          return project.get();
        }

        @Override
        public RouteConfiguration sidecarRoutes(
            Fleet fleet,
            java.util.function.Function<InferenceService, Affinity> affinity,
            Supplier<RouteConfiguration> project) {
          return project.get();
        }
      };

  public XdsResources project(Fleet fleet, LoadFactors factors, NodeGroupKey group) {
    return project(fleet, factors, group, NONE);
  }

  public XdsResources project(Fleet fleet, LoadFactors factors, NodeGroupKey group, Memo memo) {
    List<InferenceService> services = List.copyOf(fleet.services().values());
    boolean sidecar = group.kind() == ClientKind.SIDECAR;
    return new XdsResources(
        services.stream()
            .map(s -> memo.cluster(group.kind(), s, () -> clusters.project(s, group.kind())))
            .toList(),
        services.stream()
            .map(
                s ->
                    memo.assignment(
                        s,
                        factors.factorsOf(s.name()),
                        group,
                        () -> loadAssignments.project(s, group, factors)))
            .toList(),
        sidecar
            ? List.of(memo.sidecarListener(listeners::sidecarListener))
            : services.stream()
                .map(
                    s ->
                        memo.apiListener(
                            s.name(), listeners.affinityOf(s), () -> listeners.apiListener(s)))
                .toList(),
        sidecar
            ? List.of(
                memo.sidecarRoutes(
                    fleet, listeners::affinityOf, () -> listeners.sidecarRoutes(fleet)))
            : List.of());
  }
}
