package dev.llmxds.xds.resource;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Listener (LDS): the sidecar's listener, or one API listener per service for proxyless gRPC, built
 * by {@link ListenerProjector}. The router must be the last HTTP filter; an RDS name must be
 * published with it; inline routes must name published Clusters. Memo key: the service name for an
 * API listener (it reads nothing else), none for the sidecar listener.
 */
public final class ListenerType extends XdsResourceType<Listener> {
  ListenerType() {
    super(Resources.ResourceType.LISTENER, Resources.V3.LISTENER_TYPE_URL, "lds", "Listener");
  }

  @Override
  public String name(Listener resource) {
    return resource.getName();
  }

  @Override
  public List<Listener> of(XdsResources resources) {
    return resources.listeners();
  }

  @Override
  public boolean wildcard() {
    return true;
  }

  @Override
  public void checkReferences(XdsResources resources, List<String> errors) {
    Set<String> clusters = ResourceTypes.CLUSTER.names(resources);
    Set<String> routeNames = ResourceTypes.ROUTE.names(resources);
    for (Listener l : resources.listeners()) {
      checkListener(l, clusters, routeNames, errors);
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
        RouteType.checkRoutes(hcm.getRouteConfig(), clusters, errors);
      }
    }
  }
}
