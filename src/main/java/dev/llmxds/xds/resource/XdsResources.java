package dev.llmxds.xds.resource;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/** Everything one node group receives, per resource type, each list sorted by name. */
public record XdsResources(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> loadAssignments,
    List<Listener> listeners,
    List<RouteConfiguration> routes) {

  public XdsResources {
    clusters = List.copyOf(clusters);
    loadAssignments = List.copyOf(loadAssignments);
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
  }
}
