package dev.llmxds.xds.resource;

import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * RouteConfiguration (RDS): the sidecar's route table, built by {@link ListenerProjector}. Every
 * route must name a Cluster of the same publication. Memo key: the services' names and models, in
 * order, with the affinity each is routed with ({@link #memoKey}).
 */
public final class RouteType extends XdsResourceType<RouteConfiguration> {
  RouteType() {
    super(Resources.ResourceType.ROUTE, Resources.V3.ROUTE_TYPE_URL, "rds", "RouteConfiguration");
  }

  /** One service as the route table sees it. */
  public record Catalog(String name, List<String> models, Affinity affinity) {}

  /** What the route table depends on besides the fixed configuration. */
  public static List<Catalog> memoKey(
      dev.llmxds.fleet.Fleet fleet, Function<InferenceService, Affinity> affinity) {
    return fleet.services().values().stream()
        .map(s -> new Catalog(s.name(), s.models(), affinity.apply(s)))
        .toList();
  }

  @Override
  public String name(RouteConfiguration resource) {
    return resource.getName();
  }

  @Override
  public List<RouteConfiguration> of(XdsResources resources) {
    return resources.routes();
  }

  @Override
  public boolean wildcard() {
    return false;
  }

  @Override
  public void checkReferences(XdsResources resources, List<String> errors) {
    Set<String> clusters = ResourceTypes.CLUSTER.names(resources);
    for (RouteConfiguration rc : resources.routes()) {
      checkRoutes(rc, clusters, errors);
    }
  }

  static void checkRoutes(RouteConfiguration rc, Set<String> clusters, List<String> errors) {
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      for (Route r : vh.getRoutesList()) {
        if (r.hasRoute()
            && !r.getRoute().getCluster().isEmpty()
            && !clusters.contains(r.getRoute().getCluster())) {
          errors.add(
              "RouteConfiguration "
                  + rc.getName()
                  + ": route "
                  + r.getName()
                  + " names unknown cluster "
                  + r.getRoute().getCluster());
        }
      }
    }
  }
}
