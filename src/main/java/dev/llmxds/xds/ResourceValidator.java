package dev.llmxds.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks a node group's resources before they are published: Envoy's declared field constraints
 * ({@link ProtoRules}) plus the cross-resource rules Envoy and grpc-xds apply: priorities
 * contiguous from 0 and at most 128, every locality weighted, one ClusterLoadAssignment per EDS
 * cluster, routes naming existing clusters, unique names, the router as the last HTTP filter.
 */
public final class ResourceValidator {
  static final int MAX_PRIORITY = 128;

  private final ProtoRules rules =
      new ProtoRules(
          List.of(
              HttpConnectionManager.getDefaultInstance(),
              Router.getDefaultInstance(),
              PreviousHostsPredicate.getDefaultInstance(),
              WrrLocality.getDefaultInstance(),
              LeastRequest.getDefaultInstance(),
              RoundRobin.getDefaultInstance()));

  /** Every problem found, one line each; empty when the resources may be published. */
  public List<String> validate(XdsResources resources) {
    return validate(resources, m -> false);
  }

  /**
   * As {@link #validate(XdsResources)}, skipping the per-field rules for resources {@code
   * alreadyValid} vouches for (equal to ones that passed before); cross-resource rules always run.
   */
  public List<String> validate(
      XdsResources resources, java.util.function.Predicate<Message> alreadyValid) {
    List<String> errors = new ArrayList<>();
    for (Message m : all(resources)) {
      if (!alreadyValid.test(m)) {
        errors.addAll(rules.violations(m));
      }
    }
    unique("Cluster", resources.clusters().stream().map(Cluster::getName).toList(), errors);
    unique("Listener", resources.listeners().stream().map(Listener::getName).toList(), errors);
    unique(
        "RouteConfiguration",
        resources.routes().stream().map(RouteConfiguration::getName).toList(),
        errors);
    unique(
        "ClusterLoadAssignment",
        resources.loadAssignments().stream().map(ClusterLoadAssignment::getClusterName).toList(),
        errors);
    Set<String> assignments =
        resources.loadAssignments().stream()
            .map(ClusterLoadAssignment::getClusterName)
            .collect(Collectors.toSet());
    Set<String> clusters = new HashSet<>();
    for (Cluster c : resources.clusters()) {
      clusters.add(c.getName());
      String edsName =
          c.getEdsClusterConfig().getServiceName().isEmpty()
              ? c.getName()
              : c.getEdsClusterConfig().getServiceName();
      if (c.getType() == Cluster.DiscoveryType.EDS && !assignments.contains(edsName)) {
        errors.add("Cluster " + c.getName() + ": no ClusterLoadAssignment named " + edsName);
      }
    }
    for (ClusterLoadAssignment cla : resources.loadAssignments()) {
      checkPriorities(cla, errors);
    }
    Set<String> routeNames = new HashSet<>();
    for (RouteConfiguration rc : resources.routes()) {
      routeNames.add(rc.getName());
      checkRoutes(rc, clusters, errors);
    }
    for (Listener l : resources.listeners()) {
      checkListener(l, clusters, routeNames, errors);
    }
    return errors;
  }

  static List<Message> all(XdsResources r) {
    List<Message> out = new ArrayList<>();
    out.addAll(r.clusters());
    out.addAll(r.loadAssignments());
    out.addAll(r.listeners());
    out.addAll(r.routes());
    return out;
  }

  private static void unique(String type, List<String> names, List<String> errors) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        errors.add(type + " " + n + ": name used twice");
      }
    }
  }

  static void checkPriorities(ClusterLoadAssignment cla, List<String> errors) {
    TreeSet<Integer> priorities = new TreeSet<>();
    java.util.Map<Integer, Long> weightSums = new java.util.HashMap<>();
    java.util.Map<io.envoyproxy.envoy.config.core.v3.Locality, Integer> priorityOf =
        new java.util.HashMap<>();
    for (LocalityLbEndpoints group : cla.getEndpointsList()) {
      priorities.add(group.getPriority());
      Integer other = priorityOf.putIfAbsent(group.getLocality(), group.getPriority());
      if (other != null) {
        errors.add(
            "ClusterLoadAssignment "
                + cla.getClusterName()
                + ": locality "
                + group.getLocality().getRegion()
                + "/"
                + group.getLocality().getZone()
                + "/"
                + group.getLocality().getSubZone()
                + " appears twice (priorities "
                + other
                + " and "
                + group.getPriority()
                + "; grpc-xds keeps one and drops the other)");
      }
      weightSums.merge(
          group.getPriority(),
          Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue()),
          Long::sum);
      if (!group.hasLoadBalancingWeight() || group.getLoadBalancingWeight().getValue() < 1) {
        errors.add(
            "ClusterLoadAssignment "
                + cla.getClusterName()
                + ": locality "
                + group.getLocality().getRegion()
                + "/"
                + group.getLocality().getZone()
                + " has no load_balancing_weight (grpc-xds drops it)");
      }
    }
    if (!priorities.isEmpty()
        && (priorities.first() != 0 || priorities.last() != priorities.size() - 1)) {
      errors.add(
          "ClusterLoadAssignment "
              + cla.getClusterName()
              + ": priorities "
              + priorities
              + " are not contiguous from 0");
    }
    weightSums.forEach(
        (priority, sum) -> {
          if (sum > 0xFFFF_FFFFL) {
            errors.add(
                "ClusterLoadAssignment "
                    + cla.getClusterName()
                    + ": locality weights of priority "
                    + priority
                    + " sum to "
                    + sum
                    + ", over uint32 (grpc-go rejects it)");
          }
        });
    if (!priorities.isEmpty() && priorities.last() > MAX_PRIORITY) {
      errors.add(
          "ClusterLoadAssignment " + cla.getClusterName() + ": priority above " + MAX_PRIORITY);
    }
  }

  private static void checkRoutes(
      RouteConfiguration rc, Set<String> clusters, List<String> errors) {
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

  private static void checkListener(
      Listener l, Set<String> clusters, Set<String> routeNames, List<String> errors) {
    List<HttpConnectionManager> managers = new ArrayList<>();
    try {
      if (l.hasApiListener()) {
        managers.add(l.getApiListener().getApiListener().unpack(HttpConnectionManager.class));
      }
      for (FilterChain chain : l.getFilterChainsList()) {
        for (Filter f : chain.getFiltersList()) {
          if (f.getName().equals(ListenerProjector.HCM_FILTER)) {
            managers.add(f.getTypedConfig().unpack(HttpConnectionManager.class));
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      errors.add("Listener " + l.getName() + ": HttpConnectionManager does not parse");
      return;
    }
    for (HttpConnectionManager hcm : managers) {
      int n = hcm.getHttpFiltersCount();
      if (n == 0 || !hcm.getHttpFilters(n - 1).getName().equals(ListenerProjector.ROUTER_FILTER)) {
        errors.add("Listener " + l.getName() + ": the router must be the last HTTP filter");
      }
      if (hcm.hasRds() && !routeNames.contains(hcm.getRds().getRouteConfigName())) {
        errors.add(
            "Listener "
                + l.getName()
                + ": RouteConfiguration "
                + hcm.getRds().getRouteConfigName()
                + " is not published");
      }
      if (hcm.hasRouteConfig()) {
        checkRoutes(hcm.getRouteConfig(), clusters, errors);
      }
    }
  }
}
